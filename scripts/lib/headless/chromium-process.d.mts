export function chromiumArgs (opts: { profileDir: string, url: string, asRoot?: boolean }): string[]
export function profileProcesses (profileDir: string): number[]
export function clearProfile (profileDir: string, log?: (text: string) => void): void
