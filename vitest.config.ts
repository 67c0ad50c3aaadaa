import { defineConfig } from 'vitest/config'

// Unit tests: plain Node with fake-indexeddb; no browser, no network.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['fake-indexeddb/auto', './tests/unit/setup-crypto.ts', './tests/unit/setup-no-public-sockets.ts'],
    // Vitest's default workers (one fewer than the cores): on a two-core CI
    // machine, one file at a time (about 300 s). Two at once took 180-200 s,
    // but left no core spare, and a test that times backoffs to a few ms
    // failed in a fresh-clone run; many unit tests time real timers.
    testTimeout: 20_000
  }
})
