import type { Readable, Writable } from 'node:stream'
export function startBrowserPings (opts: { toBrowser: Writable, fromBrowser: Readable, onAnswer: () => void, intervalMs?: number }): { stop: () => void }
