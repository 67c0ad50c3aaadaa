export const LOG_MAX_BYTES: number
export function openCappedLog (path: string, maxBytes?: number): { write: (chunk: Uint8Array | string) => void, close: () => void }
