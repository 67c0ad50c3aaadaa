// Hybrid logical clock stamps: (wall ms, counter, device tag). Every change a
// device makes gets one; they are strictly increasing per device, and a
// device's clock moves past every stamp it receives, so a change made after
// seeing another always sorts after it, even when wall clocks disagree.
// Stamps are fixed-width strings, so comparing them as strings compares
// them totally: wall first, then counter, ties broken by the device tag.
import { KithError } from '../../shared/wire/errors'

/** 15 digits of wall ms (year 33658), 6 of counter, then the device tag. */
const STAMP = /^(\d{15})\.(\d{6})\.([0-9a-f]{8,32})$/
const MAX_COUNTER = 999_999
/** A received stamp further ahead of our wall clock than this is refused:
 *  one bogus far-future stamp would otherwise win every merge for ever. */
export const MAX_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000

export interface Stamp { wall: number, counter: number, device: string }

export function formatStamp (s: Stamp): string {
  return `${String(s.wall).padStart(15, '0')}.${String(s.counter).padStart(6, '0')}.${s.device}`
}

export function parseStamp (text: unknown): Stamp {
  const m = typeof text === 'string' ? STAMP.exec(text) : null
  if (!m) throw new KithError('BAD_REQUEST', 'malformed stamp')
  return { wall: Number(m[1]), counter: Number(m[2]), device: m[3]! }
}

export function isStamp (text: unknown): text is string {
  return typeof text === 'string' && STAMP.test(text)
}

/** Total order on stamps (as strings: fixed width makes it the tuple order). */
export function compareStamps (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The next stamp on this device: after `last` and not behind the wall clock. */
export function tick (last: Stamp | null, device: string, wall: number): Stamp {
  if (!last || wall > last.wall) return { wall, counter: 0, device }
  // The wall clock stood still or stepped back: count on from the last stamp.
  return last.counter < MAX_COUNTER ? { wall: last.wall, counter: last.counter + 1, device } : { wall: last.wall + 1, counter: 0, device }
}

/** Our clock after seeing `received`: never behind it, so our next tick sorts after it. */
export function observe (last: Stamp | null, received: Stamp, device: string): Stamp {
  if (last && compareStamps(formatStamp(last), formatStamp({ ...received, device: last.device })) >= 0) return last
  return { wall: received.wall, counter: received.counter, device }
}

/** Refuses a stamp from the future (see MAX_CLOCK_AHEAD_MS). */
export function checkNotAhead (stamp: string, wall: number): void {
  if (parseStamp(stamp).wall > wall + MAX_CLOCK_AHEAD_MS) throw new KithError('BAD_REQUEST', 'a stamp from too far in the future')
}
