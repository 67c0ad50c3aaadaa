// Whom an item will reach, counted before sharing: "Will reach 3 friends",
// "Only you". Groups are counted as the people in them (a friend in two
// chosen groups is one person), and only people who are still friends.
import type { Audience } from '../../shared/protocol/items'
import type { FriendSummary, GroupSummary } from '../api/app-api'

export function reachCount (audience: Audience, friends: readonly Pick<FriendSummary, 'key'>[], groups: readonly GroupSummary[]): number {
  switch (audience.kind) {
    case 'me': return 0
    case 'friends': return new Set(friends.map((f) => f.key)).size
    case 'groups': {
      const friendKeys = new Set(friends.map((f) => f.key))
      const chosen = new Set(audience.groupIds)
      const people = new Set<string>()
      for (const g of groups) if (chosen.has(g.id)) for (const key of g.memberKeys) if (friendKeys.has(key)) people.add(key)
      return people.size
    }
  }
}

/** '' while the answer is not known yet (or no group is chosen: that is an error said elsewhere). */
export function reachInWords (audience: Audience, friends: readonly Pick<FriendSummary, 'key'>[] | null, groups: readonly GroupSummary[] | null): string {
  if (audience.kind === 'me') return 'Only you'
  if (!friends || (audience.kind === 'groups' && !groups)) return ''
  if (audience.kind === 'groups' && audience.groupIds.length === 0) return ''
  const n = reachCount(audience, friends, groups ?? [])
  if (n === 0) {
    return audience.kind === 'friends'
      ? 'Will reach no one yet: you have no friends on Kith yet'
      : audience.groupIds.length === 1 ? 'Will reach no one: that group has no friends in it yet' : 'Will reach no one: those groups have no friends in them yet'
  }
  return `Will reach ${n} ${n === 1 ? 'friend' : 'friends'}`
}
