// Attacks on the inviter's name hint in an invite link (anyone can edit a
// link before passing it on): text that would draw over the "not yet
// confirmed" warning beside it, or read in another order, or cost the page
// to clean.
import { describe, expect, it } from 'vitest'
import { cleanInviterHint, inviterHintFrom } from '../../shared/rendezvous/invite-link'
import { MAX_DISPLAY_NAME } from '../../shared/protocol/protocol'
import { parseProfileAnswer } from '../../shared/protocol/answers'

describe('attack: an edited invite link’s name hint', () => {
  // Attack: a letter carrying hundreds of combining marks ("Zalgo") is a
  // glyph many lines tall, drawn over the words around it.
  it('keeps at most a few combining marks on a letter; real accents stay', () => {
    const hint = cleanInviterHint('Alice' + '\u0301\u0300\u0302'.repeat(100) + ' Smith')
    expect(hint).toMatch(/^Alice\p{M}{1,4} Smith$/u)
    // Decomposed accents of real names (Vietnamese: two marks on one letter) are kept.
    expect(cleanInviterHint('Nguye\u0302\u0303n Thi\u0323')).toBe('Nguye\u0302\u0303n Thi\u0323')
    expect(cleanInviterHint('हिन्दी')).toBe('हिन्दी')
    // The same for the name a friend's node gives, shown in lists and on Home.
    expect(parseProfileAnswer({ displayName: 'Mallory' + '\u0301'.repeat(70), address: 'kith1x' }, 'kith1x').displayName).toBe('Mallory\u0301\u0301\u0301\u0301')
  })

  // Attack: a megabyte of bidi overrides and marks, after other parameters.
  it('a megabyte of hostile hint, or a hint hidden after a megabyte of junk, comes out short and plain', () => {
    const huge = inviterHintFrom(`from=${encodeURIComponent('\u202e\u0301'.repeat(500_000))}`)
    expect(huge).not.toMatch(/[\p{Cf}]/u)
    expect([...huge].length).toBeLessThanOrEqual(MAX_DISPLAY_NAME)
    expect(inviterHintFrom(`x=${'A'.repeat(1_000_000)}&from=Mallory`)).toBe('')
    // The first one counts: a second "from" cannot replace what the link's maker wrote.
    expect(inviterHintFrom('from=Alice&from=Mallory')).toBe('Alice')
  })
})
