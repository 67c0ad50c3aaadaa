import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Audience } from '../../shared/protocol/items'
import { befriend, person, TestClock, type Person } from './store-fixtures'
import { device, dump, syncAll, syncFrom, type Device } from './sync-fixtures'

const FRIENDS: Person[] = [person('F'), person('G'), person('H')]

const action = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('create' as const), on: fc.nat(2), audience: fc.nat(3), file: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('audience' as const), on: fc.nat(2), item: fc.nat(30), audience: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), on: fc.nat(2), item: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('group' as const), on: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ungroup' as const), on: fc.nat(2), group: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('member' as const), on: fc.nat(2), group: fc.nat(5), friend: fc.nat(2), member: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('friend' as const), on: fc.nat(2), friend: fc.nat(2), add: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('list' as const), on: fc.nat(2), friend: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ack' as const), on: fc.nat(2), friend: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('sync' as const), to: fc.nat(2), from: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: -2000, max: 50_000 }) }) }
)

/** Runs one step on the devices; steps that make no sense there (an item
 *  already gone on that device…) are skipped, as the UI would not offer them. */
async function run (devices: Device[], step: Record<string, any>, made: string[], groups: string[], deleted: Set<string>, clock: TestClock): Promise<void> {
  const on = devices[(step.on ?? 0) % devices.length]!
  const audienceOf = async (n: number): Promise<Audience> => {
    const present = (await on.db.groups.bulkGet(groups)).filter((g) => g !== undefined)
    if (n === 3 && present.length > 0) return { kind: 'groups', groupIds: [present[0]!.id] }
    return n % 2 === 0 ? { kind: 'friends' } : { kind: 'me' }
  }
  const friend = FRIENDS[(step.friend ?? 0) % FRIENDS.length]!
  switch (step.kind) {
    case 'create': {
      const text = `secret-${made.length}`
      const file = step.file ? { name: `name-${made.length}.bin`, mime: 'application/octet-stream', content: new Blob([new Uint8Array(300 + made.length)]) } : undefined
      made.push((await on.items.create({ type: file ? 'file' : 'note', text, audience: await audienceOf(step.audience), file })).id)
      return
    }
    case 'audience': case 'delete': {
      const id = made[step.item % Math.max(1, made.length)]
      if (!id || !await on.items.get(id)) return
      if (step.kind === 'delete') {
        await on.items.delete(id)
        deleted.add(id)
      } else await on.items.setAudience(id, await audienceOf(step.audience))
      return
    }
    case 'group': groups.push((await on.friends.createGroup(`g${groups.length}`)).id); return
    case 'ungroup': {
      const id = groups[step.group % Math.max(1, groups.length)]
      if (id && await on.db.groups.get(id)) await on.friends.deleteGroup(id)
      return
    }
    case 'member': {
      const id = groups[step.group % Math.max(1, groups.length)]
      if (id && await on.db.groups.get(id) && await on.friends.isFriend(friend.key)) await on.friends.setMembership(id, friend.key, step.member)
      return
    }
    case 'friend':
      if (step.add) await befriend(on.friends, friend)
      else if (await on.friends.isFriend(friend.key)) await on.friends.remove(friend.key)
      return
    case 'list': if (await on.friends.isFriend(friend.key)) await on.items.listVisible(friend.key, { limit: 50 }); return
    case 'ack': await on.notices.acknowledge(friend.key, await on.notices.pendingFor(friend.key)); return
    case 'sync': {
      const [to, from] = [devices[step.to % devices.length]!, devices[step.from % devices.length]!]
      if (to !== from) await syncFrom(to, from)
      return
    }
    case 'tick': clock.t += step.ms
  }
}

describe('convergence', () => {
  it('property: after any interleaving of changes and syncs, a final sync leaves every device the same, and deleted content nowhere', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 3 }), fc.array(action, { minLength: 3, maxLength: 25 }), async (count, steps) => {
      const clock = new TestClock()
      const devices = Array.from({ length: count }, (_, i) => device(`D${i}`, clock))
      await befriend(devices[0]!.friends, FRIENDS[0]!, FRIENDS[1]!)
      const made: string[] = []
      const groups: string[] = []
      const deleted = new Set<string>()
      for (const step of steps) await run(devices, step, made, groups, deleted, clock)
      await syncAll(devices)
      const first = await dump(devices[0]!.db)
      for (const d of devices.slice(1)) expect(await dump(d.db)).toEqual(first)
      for (const d of devices) {
        const traces = JSON.stringify(await dump(d.db))
        for (const id of deleted) {
          expect(await d.db.items.get(id)).toBeUndefined()
          expect(await d.db.fileChunks.where('itemId').equals(id).count()).toBe(0)
          const n = made.indexOf(id)
          expect(traces).not.toContain(`"secret-${n}"`)
          expect(traces).not.toContain(`name-${n}.bin`)
        }
        // Every item's file is whole wherever the item is.
        for (const item of await d.db.items.toArray()) {
          if (item.file) expect(await d.db.fileChunks.where('itemId').equals(item.id).count()).toBe(Math.ceil(item.file.size / (1024 * 1024)))
        }
      }
    }), { numRuns: 60 })
  }, 60_000)
})
