// For tests of input checks: the message (or code) a call is refused with,
// failing the test if it was accepted or refused with another kind of error.
import { expect } from 'vitest'
import { KithError, type ErrorCode } from '../../shared/wire/errors'

/** The message a call was refused with: an error of `type` (with `code`, if given). */
export function refusalMessage (call: () => unknown, type: abstract new (...args: never[]) => Error, code?: string): string {
  try {
    call()
  } catch (err) {
    expect(err).toBeInstanceOf(type)
    if (code !== undefined) expect((err as { code?: unknown }).code).toBe(code)
    return (err as Error).message
  }
  throw new Error('accepted')
}

/** The message a promise was refused with: an error of `type`. */
export async function refusedWith (promise: Promise<unknown>, type: abstract new (...args: never[]) => Error): Promise<string> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(type)
    return (err as Error).message
  }
  throw new Error('accepted')
}

/** The error code a call was refused with, or 'resolved': for checking RPC refusals. */
export async function codeOf (promise: Promise<unknown>): Promise<ErrorCode | 'resolved'> {
  try {
    await promise
    return 'resolved'
  } catch (err) {
    expect(err).toBeInstanceOf(KithError)
    return (err as KithError).code
  }
}
