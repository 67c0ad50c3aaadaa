// The steps the outage cases share (uplink cut, long cut, laptop sleep, ICE
// restart): Alice in home h1 and Bob in h2 become friends and Bob has her
// first note with the session up; afterwards, her next note must reach his
// feed with nothing pressed.
import { expect } from 'vitest'
import { feedTexts } from '../../e2e/support/app'
import { share } from '../../e2e/support/people'
import { friendsWithANote, type Pair } from './friends'
import type { NatWorld } from './nat-world'

export type { Pair } from './friends'

/** Friends through the UI, Bob on Alice's page with `firstNote` and a round trip shown. */
export async function connectedPair (world: NatWorld, firstNote: string, opts: { logConsole?: boolean } = {}): Promise<Pair> {
  const pair = await friendsWithANote(world, firstNote, opts)
  await pair.bob.page.getByTestId('friend-rtt').waitFor({ timeout: 30_000 })
  return pair
}

/** Alice shares `text`; it must turn up in Bob's feed by itself (no Refresh).
 *  Returns the seconds it took, for the log (speed lives in bench/). */
export async function nextNoteArrivesByItself ({ alice, bob }: Pair, text: string): Promise<number> {
  await share(alice, text)
  const sharedAt = Date.now()
  await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 30_000 }).toContain(text)
  return (Date.now() - sharedAt) / 1000
}
