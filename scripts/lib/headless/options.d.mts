export class UsageError extends Error {}
export const DEFAULT_PORT: number
export const DEFAULT_CHROMIUM: string
export const USAGE: string
export interface IceServer { urls: string | string[], username?: string, credential?: string }
export interface DataConfig { trackers?: string[], relays?: string[], iceServers?: IceServer[], name?: string, port?: number }
export interface RunnerOptions {
  command: 'run' | 'install-service'
  build: boolean
  data: string
  port: number | null
  trackers: string[] | null
  /** Nostr relays from --relay flags or config.json; null: none. */
  relays: string[] | null
  iceServers: IceServer[] | null
  chromium: string
  name: string | null
  /** The only address that may link this device. */
  owner: string | null
  scope: 'user' | 'system'
  print: boolean
  runFlags: string[]
}
export function parseArgv (argv: string[]): { command: string, flags: Map<string, string[]>, switches: Set<string> }
export function parseDataConfig (input: unknown, where: string): DataConfig
export function resolveOptions (argv: string[], ctx?: { env?: Record<string, string | undefined>, cwd?: string, hostname?: string, readText?: (path: string) => string | null }): RunnerOptions | { command: 'help' }
