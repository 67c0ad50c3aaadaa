// For tests of input checks: the message a call is refused with, failing the
// test if it was accepted or refused with another kind of error.
import { expect } from 'vitest'

export function refusalMessage (call: () => unknown, type: abstract new (...args: never[]) => Error): string {
  try {
    call()
  } catch (err) {
    expect(err).toBeInstanceOf(type)
    return (err as Error).message
  }
  throw new Error('accepted')
}
