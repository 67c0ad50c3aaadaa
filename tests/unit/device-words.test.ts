// The plain words of the Devices tab and the link page: last seen, the
// countdown of a link code, and the verification code as two groups.
import { describe, expect, it } from 'vitest'
import { countdown, spacedCode, timeAgo } from '../../client/elements/format'

const NOW = Date.UTC(2026, 11, 1, 9, 0)
const MIN = 60_000

describe('timeAgo', () => {
  it('says just now, minutes, hours, days, then the day', () => {
    expect(timeAgo(NOW - 30_000, NOW)).toBe('just now')
    expect(timeAgo(NOW - 5 * MIN, NOW)).toBe('5 minutes ago')
    expect(timeAgo(NOW - 65 * MIN, NOW)).toBe('an hour ago')
    expect(timeAgo(NOW - 5 * 60 * MIN, NOW)).toBe('5 hours ago')
    expect(timeAgo(NOW - 3 * 1440 * MIN, NOW)).toBe('3 days ago')
    expect(timeAgo(NOW - 90 * 1440 * MIN, NOW)).toMatch(/^on \S/)
  })

  it('treats a clock slightly ahead as just now, not the future', () => {
    expect(timeAgo(NOW + 5 * MIN, NOW)).toBe('just now')
  })
})

describe('countdown', () => {
  it('counts whole minutes down, then seconds, then nothing once passed', () => {
    expect(countdown(NOW + 9.5 * MIN, NOW)).toBe('in 9 min')
    expect(countdown(NOW + 10 * MIN, NOW)).toBe('in 10 min')
    expect(countdown(NOW + 61_000, NOW)).toBe('in 1 min')
    expect(countdown(NOW + 40_000, NOW)).toBe('in 40 s')
    expect(countdown(NOW, NOW)).toBe('')
    expect(countdown(NOW - 1000, NOW)).toBe('')
  })
})

describe('spacedCode', () => {
  it('splits six digits in two groups and leaves anything else as it is', () => {
    expect(spacedCode('482913')).toBe('482 913')
    expect(spacedCode('12345')).toBe('12345')
    expect(spacedCode('abcdef')).toBe('abcdef')
  })
})
