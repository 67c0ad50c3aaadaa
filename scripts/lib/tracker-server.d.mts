// Types for tracker-server.mjs, so TypeScript tests can start a stock tracker.
export interface RunningTracker {
  url: string
  port: number
  /** Resolves once every client connection has ended. */
  close: () => Promise<void>
}

export function startTracker (opts?: { port?: number, host?: string }): Promise<RunningTracker>
