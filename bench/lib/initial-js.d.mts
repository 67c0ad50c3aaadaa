export function entryScripts (distDir: string): string[]
export function gzippedKB (distDir: string, files: string[]): number
export function entryJsKB (distDir: string): number
export function distScripts (distDir: string, appUrl: string, urls: string[]): string[]
export function loadedScriptsKB (distDir: string, appUrl: string, urls: string[]): number
