// One error type with a code union (after tRPC): every failure that crosses
// the wire, or reaches the UI, is a KithError with one of these codes.
export const ERROR_CODES = [
  'UNAUTHORIZED',
  'NOT_FOUND',
  'BAD_REQUEST',
  'TIMEOUT',
  'CLOSED',
  'TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL',
  'CANCELLED',
  /** ICE found no path between two peers and neither had a TURN relay. */
  'NEEDS_RELAY'
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface WireError {
  code: ErrorCode
  message: string
}

export class KithError extends Error {
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string) {
    super(message)
    this.name = 'KithError'
    this.code = code
  }

  toWire (): WireError {
    return { code: this.code, message: this.message }
  }
}

export function isErrorCode (value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}

/** Converts anything thrown by a handler into what may be sent to a peer.
 *  Unknown errors become INTERNAL without their message: internals stay home. */
export function toWireError (err: unknown): WireError {
  if (err instanceof KithError) return err.toWire()
  return { code: 'INTERNAL', message: 'internal error' }
}

/** Rebuilds an error received from a peer; an unknown code is INTERNAL. */
export function fromWireError (code: unknown, message: unknown): KithError {
  const text = typeof message === 'string' ? message.slice(0, 500) : 'error'
  return new KithError(isErrorCode(code) ? code : 'INTERNAL', text)
}
