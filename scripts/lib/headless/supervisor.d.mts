export interface SupervisedProcess {
  pid: number
  kill: (signal: NodeJS.Signals) => void
  onExit: (cb: (code: number | null, signal: string | null) => void) => void
}
export interface Clock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}
export interface SupervisorEvent { type: 'started' | 'exited' | 'hung' | 'restarting' | 'stopped', [k: string]: unknown }
export const SUPERVISOR_DEFAULTS: Readonly<{ heartbeatMs: number, startupMs: number, stableMs: number, killWaitMs: number, stopGraceMs: number }>
export function restartDelay (failures: number): number
export class Supervisor {
  constructor (opts: { launch: () => SupervisedProcess, clock?: Clock, sources?: string[], onEvent?: (event: SupervisorEvent) => void } & Partial<typeof SUPERVISOR_DEFAULTS>)
  readonly state: string
  readonly restarts: number
  start (): void
  heartbeat (source?: string): void
  stop (): Promise<void>
}
