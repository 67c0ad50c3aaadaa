import { describe, it } from 'vitest'
import { CodeChannel } from '../../node-tab/rendezvous/code-channel'
import { rendezvousContract, type ChannelWorld } from '../contract/rendezvous-contract'

// The rendezvous contract, against connection codes carried by hand: what
// one side shows, the person pastes on the other.
async function handCarried (): Promise<ChannelWorld> {
  const shownByA: string[] = []
  const shownByB: string[] = []
  const kindOf = (text: string): 'offer' | 'answer' | null => text.startsWith('offer') ? 'offer' : text.startsWith('answer') ? 'answer' : null
  const a = new CodeChannel({ show: (t) => shownByA.push(t), kindOf })
  const b = new CodeChannel({ show: (t) => shownByB.push(t), kindOf })
  return {
    a,
    b,
    topic: (n) => `code-swarm-${n}`,
    exchange: async (action, arrived) => {
      action()
      for (const text of shownByA.splice(0)) b.paste(text)
      for (const text of shownByB.splice(0)) a.paste(text)
      // Junk pasted on either side must change nothing.
      a.paste('hello'); b.paste('')
      return arrived()
    },
    close: async () => { a.close(); b.close() }
  }
}

describe('rendezvous contract: connection codes', () => {
  for (const [name, run] of Object.entries(rendezvousContract)) {
    it(name, async () => { await run(handCarried) })
  }
})
