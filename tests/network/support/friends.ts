// The first steps of most network cases, through the real UI (the steps
// themselves are the browser tests', tests/e2e/support/people.ts): Alice
// and Bob, each in a home, open Kith, become friends, and Bob fetches the
// note Alice shares.
import type { Person } from '../../e2e/support/world'
import { befriend, fetchNote, openAs, share } from '../../e2e/support/people'
import type { NatWorld } from './nat-world'

export interface Pair { alice: Person, bob: Person }

export interface PairOptions {
  /** Alice's home and Bob's (h1, h2: endpoint-independent NAT; h3, h4: symmetric). */
  homes?: [string, string]
  /** The names they set. */
  names?: [string, string]
  /** Their browsers' errors and warnings in the test log. */
  logConsole?: boolean
}

/** Alice and Bob, each in a home, with Kith open under their names. */
export async function aliceAndBob (world: NatWorld, { homes = ['h1', 'h2'], names = ['Alice', 'Bob'], logConsole = false }: PairOptions = {}): Promise<Pair> {
  const alice = await world.person('alice', homes[0])
  const bob = await world.person('bob', homes[1])
  if (logConsole) {
    for (const p of [alice, bob]) p.page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[${p.name} console]`, m.text()) })
  }
  await openAs(alice, world.appUrl, names[0])
  await openAs(bob, world.appUrl, names[1])
  return { alice, bob }
}

export async function friendsWithANote (world: NatWorld, note: string, opts: PairOptions = {}): Promise<Pair> {
  const { alice, bob } = await aliceAndBob(world, opts)
  await befriend(alice, bob)
  await share(alice, note)
  await fetchNote(bob, world.appUrl, alice, note)
  return { alice, bob }
}
