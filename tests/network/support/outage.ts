// The steps the outage cases share (uplink cut, long cut, laptop sleep, ICE
// restart): Alice in home h1 and Bob in h2 become friends and Bob has her
// first note with the session up; afterwards, her next note must reach his
// feed with nothing pressed.
import { expect } from 'vitest'
import { feedTexts } from '../../e2e/support/app'
import type { Person } from '../../e2e/support/world'
import { acceptInvite, createInvite, fetchNote, openAs, shareNote } from './friends'
import type { NatWorld } from './nat-world'

export interface Pair { alice: Person, bob: Person, aliceAddress: string }

/** Friends through the UI, Bob on Alice's page with `firstNote` and a round trip shown. */
export async function connectedPair (world: NatWorld, firstNote: string, opts: { logConsole?: boolean } = {}): Promise<Pair> {
  const alice = await world.person('alice', 'h1')
  const bob = await world.person('bob', 'h2')
  if (opts.logConsole) {
    for (const p of [alice, bob]) p.page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[${p.name} console]`, m.text()) })
  }
  const aliceAddress = await openAs(alice, world.appUrl, 'Alice')
  await openAs(bob, world.appUrl, 'Bob')
  const link = await createInvite(alice)
  await acceptInvite(bob, link, aliceAddress, 'Alice')
  await shareNote(alice, firstNote)
  await fetchNote(bob, world.appUrl, aliceAddress, firstNote)
  await bob.page.getByTestId('friend-rtt').waitFor({ timeout: 30_000 })
  return { alice, bob, aliceAddress }
}

/** Alice shares `text`; it must turn up in Bob's feed by itself (no Refresh).
 *  Returns the seconds it took, for the log (speed lives in bench/). */
export async function nextNoteArrivesByItself ({ alice, bob }: Pair, text: string): Promise<number> {
  await shareNote(alice, text)
  const sharedAt = Date.now()
  await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 30_000 }).toContain(text)
  return (Date.now() - sharedAt) / 1000
}
