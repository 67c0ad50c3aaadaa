#!/bin/sh
# The runner's Chromium with a DevTools port as well as its own pipe: the soak
# run (bench/soak/soak.mjs) reads the page's JS heap over it. Chromium writes
# the port it chose into <profile>/DevToolsActivePort; it listens on loopback.
exec "${KITH_SOAK_REAL_CHROMIUM:-/usr/bin/chromium}" --remote-debugging-port=0 "$@"
