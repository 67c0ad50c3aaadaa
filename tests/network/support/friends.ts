// The first steps of most network cases, through the real UI (the steps
// themselves are the browser tests', tests/e2e/support/people.ts): Alice
// and Bob, each in a home, open Kith, become friends, and Bob fetches the
// note Alice shares.
import type { Person } from '../../e2e/support/world'
import { befriend, fetchNote, openAs, share } from '../../e2e/support/people'
import type { NatWorld } from './nat-world'

export interface Pair { alice: Person, bob: Person }

export async function friendsWithANote (world: NatWorld, note: string,
  { homes = ['h1', 'h2'], names = ['Alice', 'Bob'], logConsole = false }: { homes?: [string, string], names?: [string, string], logConsole?: boolean } = {}): Promise<Pair> {
  const alice = await world.person('alice', homes[0])
  const bob = await world.person('bob', homes[1])
  if (logConsole) {
    for (const p of [alice, bob]) p.page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[${p.name} console]`, m.text()) })
  }
  await openAs(alice, world.appUrl, names[0])
  await openAs(bob, world.appUrl, names[1])
  await befriend(alice, bob)
  await share(alice, note)
  await fetchNote(bob, world.appUrl, alice, note)
  return { alice, bob }
}
