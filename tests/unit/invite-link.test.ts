// The inviter's name travels in the invite link as a hint: cleaned like a
// name a peer sends, cut to a name's length, and old links without it work.
import { describe, expect, it } from 'vitest'
import { cleanInviterHint, inviteFragment, inviterHintFrom } from '../../shared/rendezvous/invite-link'
import { MAX_DISPLAY_NAME } from '../../shared/protocol/protocol'

const ADDRESS = 'kith1abc'
const TOKEN = 'tok123'

/** What the app's router does with a fragment: the parts after the token. */
function route (fragment: string): { token: string, hint: string } {
  const m = fragment.match(/^#\/invite\/([^/?#]+)(?:\/([^/?#]*))?(?:\?(.*))?/)!
  return { token: m[2] ?? '', hint: inviterHintFrom(m[3] ?? '') }
}

describe('invite link name hint', () => {
  it('round-trips a name, with spaces and accents, after the token', () => {
    const fragment = inviteFragment(ADDRESS, TOKEN, 'Zoë  Ångström & co')
    expect(fragment.startsWith(`#/invite/${ADDRESS}/${TOKEN}?from=`)).toBe(true)
    expect(route(fragment)).toEqual({ token: TOKEN, hint: 'Zoë Ångström & co' })
  })

  it('keeps old links (no name) working, and makes no hint for a nameless inviter', () => {
    expect(route(`#/invite/${ADDRESS}/${TOKEN}`)).toEqual({ token: TOKEN, hint: '' })
    expect(inviteFragment(ADDRESS, TOKEN, '')).toBe(`#/invite/${ADDRESS}/${TOKEN}`)
    expect(inviteFragment(ADDRESS, TOKEN, ' \u202e ')).toBe(`#/invite/${ADDRESS}/${TOKEN}`)
  })

  it('the token as an old client reads it is unchanged by the hint', () => {
    const oldRouter = /^#\/invite\/([^/?#]+)(?:\/([^/?#]*))?/
    expect(inviteFragment(ADDRESS, TOKEN, 'Alice').match(oldRouter)![2]).toBe(TOKEN)
  })

  it('removes bidi overrides, isolates, zero-width and control characters from an edited link', () => {
    const hostile = 'Ali\u202ece\u2066x\u2069\u200b\u200d\u0000\u0007\u001b[31m\nBob\u2028\ufeff'
    const hint = route(`#/invite/${ADDRESS}/${TOKEN}?from=${encodeURIComponent(hostile)}`).hint
    expect(hint).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u)
    expect(hint).toBe('Ali ce x [31m Bob')
  })

  it('cuts an overlong name to a name’s length without splitting an emoji, and ignores absurd input', () => {
    const long = '😀'.repeat(MAX_DISPLAY_NAME + 50)
    const hint = cleanInviterHint(long)
    expect([...hint]).toHaveLength(MAX_DISPLAY_NAME)
    expect(hint).toBe('😀'.repeat(MAX_DISPLAY_NAME))
    const huge = route(`#/invite/${ADDRESS}/${TOKEN}?from=${'A'.repeat(5_000_000)}`).hint
    expect(huge.length).toBeLessThanOrEqual(MAX_DISPLAY_NAME)
    expect(route(`#/invite/${ADDRESS}/${TOKEN}?from=%E0%A4%A`).hint.length).toBeLessThan(5) // broken escapes: no crash
    expect(cleanInviterHint('\u0001'.repeat(311) + '😀'.repeat(10))).not.toMatch(/\p{Cs}/u) // the raw cut halves an emoji
    expect(cleanInviterHint(42)).toBe('')
  })
})
