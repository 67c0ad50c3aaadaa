// CodeChannel (node-tab/rendezvous/code-channel.ts), beyond the rendezvous
// contract (tests/unit/rendezvous-contract.codes.test.ts): one outstanding
// offer at a time, an answer spent on first use, answers shown only for
// offers carried by hand, and leaving a swarm forgets what waited there.
import { describe, expect, it } from 'vitest'
import { BY_HAND, CodeChannel } from '../../../node-tab/rendezvous/code-channel'
import type { RendezvousSignal } from '../../../node-tab/rendezvous/channel'

function channel () {
  const shown: string[] = []
  const offers: RendezvousSignal[] = []
  const answers: RendezvousSignal[] = []
  const kindOf = (text: string): 'offer' | 'answer' | null => text.startsWith('offer') ? 'offer' : text.startsWith('answer') ? 'answer' : null
  const c = new CodeChannel({ show: (t) => shown.push(t), kindOf })
  c.onOffer((s) => offers.push(s))
  c.onAnswer((s) => answers.push(s))
  return { c, shown, offers, answers }
}

describe('CodeChannel', () => {
  it('a second offer replaces the first: the answer pasted pairs with the newer one', () => {
    const { c, shown, answers } = channel()
    expect(c.announce('swarm', [{ offerId: 'first', payload: 'offer-1' }])).toEqual([BY_HAND])
    c.announce('swarm', [{ offerId: 'second', payload: 'offer-2' }])
    expect(shown).toEqual(['offer-1', 'offer-2'])
    c.paste('answer-to-whichever')
    expect(answers.map((a) => a.offerId)).toEqual(['second'])
  })

  it('of several offers announced at once, only the last is shown and waits', () => {
    const { c, shown, answers } = channel()
    c.announce('swarm', [{ offerId: 'a', payload: 'offer-a' }, { offerId: 'b', payload: 'offer-b' }])
    expect(shown).toEqual(['offer-b'])
    c.paste('answer')
    expect(answers.map((a) => a.offerId)).toEqual(['b'])
  })

  it('an answer is single use: a second paste delivers nothing', () => {
    const { c, answers } = channel()
    c.announce('swarm', [{ offerId: 'o', payload: 'offer' }])
    expect(c.waiting).toBe(true)
    expect(c.paste('answer-1')?.payload).toBe('answer-1')
    expect(c.waiting).toBe(false)
    expect(c.paste('answer-1')).toBeNull()
    expect(c.paste('answer-2')).toBeNull()
    expect(answers).toHaveLength(1)
  })

  it('answers go back only by hand: an offer that came another way gets none shown here', () => {
    const { c, shown } = channel()
    const fromTracker: RendezvousSignal = { topic: 'swarm', from: 'peer', offerId: 'o', payload: 'offer', route: 'wss://tracker.test' }
    c.answer(fromTracker, 'answer-secret')
    expect(shown).toEqual([])
    c.announce('swarm')
    const pasted = c.paste('offer-by-hand')!
    expect(pasted.route).toBe(BY_HAND)
    c.answer(pasted, 'answer-shown')
    expect(shown).toEqual(['answer-shown'])
  })

  it('leaving the swarm forgets its outstanding offer, and pasted offers no longer arrive', () => {
    const { c, offers, answers } = channel()
    c.announce('swarm', [{ offerId: 'o', payload: 'offer' }])
    c.leave('other-swarm')
    expect(c.waiting).toBe(true)
    c.leave('swarm')
    expect(c.waiting).toBe(false)
    expect(c.paste('answer')).toBeNull()
    expect(c.paste('offer-late')).toBeNull()
    expect(offers).toEqual([])
    expect(answers).toEqual([])
  })

  it('once closed, it shows nothing and announces by no route', () => {
    const { c, shown } = channel()
    c.announce('swarm')
    const pasted = c.paste('offer-x')!
    c.close()
    expect(c.announce('swarm', [{ offerId: 'o', payload: 'offer' }])).toEqual([])
    c.answer(pasted, 'answer')
    expect(shown).toEqual([])
  })
})
