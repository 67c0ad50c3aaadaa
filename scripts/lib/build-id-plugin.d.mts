export const BUILD_ID_FILE: string
export const SHELL_FILES: RegExp
export function buildIdOfFolder (dir: string): string
export function buildIdFile (): import('vite').Plugin
