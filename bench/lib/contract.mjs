// The contract between bench/run.mjs and a system module
// bench/systems/<name>.mjs (raw, bugout, kith). Types only.
//
//   export async function measure (ctx: MeasureContext): Promise<Figure[]>
//
// A system reports figures either by returning them or, to have them printed
// at once, by passing each to ctx.emit (it may do both; the first report of a
// figure name wins). Standard names it never reports, or all of them if
// measure() throws or overruns its budget, are recorded as failed
// (ok:false, value:null). Extra figure names are printed and stored as given.
// measure() must close every browser context it opens (see withPair).
// A system that measures only figures of its own exports
//   export const EXPECTED_FIGURES = { app_ready_ms: 'ms', … }
// and then only those names count as failed when not reported (the older
// `export const STANDARD_FIGURES = false` beside it is still understood).

/**
 * @typedef {object} MeasureContext
 * @property {import('playwright-core').Browser} browser  the one shared Chromium; open one
 *   context per person (openPerson / withPair)
 * @property {string} trackerUrl  ws://127.0.0.1:<port>, the only tracker to use
 * @property {import('../../scripts/lib/relay-server.d.mts').RunningRelay} relay  the run's strict
 *   Nostr relay (a stock one from npm): its url, and what it saw, to count at the relay
 * @property {string} pagesUrl  http://127.0.0.1:<port> serving bench/pages/, the Bugout
 *   bundle at /vendor/bugout/bugout.min.js, and /config.json
 * @property {string|null} appUrl  http://127.0.0.1:<port> serving the built app (dist/) with
 *   /config.json = config; null when dist/ is not built
 * @property {{ trackers: string[], relays: [], iceServers: [] }} config  what /config.json holds
 *   (no relay: a system that uses the relay names it itself)
 * @property {(...args: unknown[]) => void} log  diagnostics to stderr, prefixed with the system
 * @property {(f: import('./figures.mjs').Figure) => void} emit  print and store a figure now
 * @property {AbortSignal} signal  aborted if measure() throws or runs past its budget
 */

// A system that needs longer than run.mjs's budget per system (400 s, or
// BENCH_SYSTEM_BUDGET_MS) exports its own:
//   export const BUDGET_MS = 900_000
export {}
