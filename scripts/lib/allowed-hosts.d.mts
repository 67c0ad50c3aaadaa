import type { networkInterfaces } from 'node:os'
export function allowedHosts (opts: { listenHost: string, extra?: string[], interfaces?: ReturnType<typeof networkInterfaces>, hostname?: string }): Set<string>
export function extraHostsFrom (value: string | undefined): string[]
export function isAllowedHost (hostHeader: string | undefined, allowed: Set<string>): boolean
