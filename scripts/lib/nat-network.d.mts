// Types for nat-network.mjs, so the TypeScript network tests can use it.
export interface Home { name: string, router: string, index: number, nat: 'endpoint-independent' | 'symmetric' }
export interface Turn {
  username: string
  password: string
  realm: string
  logFile: string
  stunUrl: string
  turnUrl: string
  close: () => Promise<void>
}
export const PUBLIC_GATEWAY: string
export const TURN_ADDRESS: string
export const TURN_PORT: number
export const RELAY_PORTS: { min: number, max: number }
export const HOMES: Home[]
export function homeAddresses (index: number): { lan: string, router: string, public: string }
export function buildNetwork (): void
export function setUplink (home: Home, up: boolean): void
export function chromiumIn (home: Home, dir: string): string
export function startTurn (dir: string): Promise<Turn>
export function startCapture (path: string): Promise<{ path: string, stop: () => Promise<Buffer> }>
