export function initialScripts (distDir: string): string[]
export function gzippedKB (distDir: string, files: string[]): number
export function initialJsKB (distDir: string): number
