// Types for tracker-server.mjs, so TypeScript tests can start a stock tracker.
export interface RunningTracker {
  url: string
  port: number
  /** Resolves once every client connection has ended. */
  close: () => Promise<void>
  /** WebSocket messages received from and sent to every client so far. */
  messages: () => { received: number, sent: number }
}

export function startTracker (opts?: { port?: number, host?: string, announceIntervalMs?: number }): Promise<RunningTracker>
