export const UNIT_NAME: string
export function quoteExecArg (arg: string): string
export function unitText (opts: { scope: 'user' | 'system', node: string, script: string, args: string[], workingDirectory: string, user?: string }): string
export function unitPath (scope: 'user' | 'system', env?: Record<string, string | undefined>): string
export function enableCommands (scope: 'user' | 'system', user?: string): string[]
