import type { networkInterfaces } from 'node:os'
export function isWildcardHost (host: string): boolean
export function lanAddresses (interfaces?: ReturnType<typeof networkInterfaces>): string[]
export function urlsToOpen (host: string, port: number, lan?: string[]): Array<{ url: string, lan: boolean }>
export function hostFromHeader (hostHeader: string | undefined): string | null
export function trackersForBrowser (trackers: string[], hostHeader: string | undefined, fallbackHost: string): string[]
