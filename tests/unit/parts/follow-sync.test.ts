// followSyncedChanges (node-tab/devices/follow-sync.ts): after a pull from
// another of my devices, the parts that keep state in memory follow what
// changed, and only those. Each follower is a recorder.
import { describe, expect, it } from 'vitest'
import { followSyncedChanges } from '../../../node-tab/devices/follow-sync'
import type { AppliedChanges } from '../../../node-tab/sync/apply'
import type { SyncedTable } from '../../../node-tab/sync/tables'

function followers () {
  const log: string[] = []
  const hinted: string[][] = []
  return {
    log,
    hinted,
    followers: {
      ownDevices: {
        followDeviceChanges: async () => { log.push('devices') },
        reloadSecret: async () => { log.push('devices secret') }
      },
      settings: { reload: async () => { log.push('settings') } },
      rotations: { load: async () => { log.push('rotations') } },
      hints: { itemsChanged: (ids: Iterable<string>) => { hinted.push([...ids]); log.push('hints') } },
      noticeSender: { kick: () => { log.push('notices') } },
      changed: () => { log.push('changed') }
    }
  }
}

function changes (tables: SyncedTable[], itemIds: string[] = [], noticeFriends: string[] = []): AppliedChanges {
  return { tables: new Set(tables), itemIds: new Set(itemIds), noticeFriends: new Set(noticeFriends) }
}

describe('followSyncedChanges', () => {
  it('nothing of note: only the node’s change event', async () => {
    const { log, followers: f } = followers()
    await followSyncedChanges(f, changes(['friends', 'groups']))
    expect(log).toEqual(['changed'])
  })

  it('device records: the devices follow (revoked ones’ sessions close), and notices go out (revocations to tell)', async () => {
    const { log, followers: f } = followers()
    await followSyncedChanges(f, changes(['devices']))
    expect(log).toEqual(['devices', 'notices', 'changed'])
  })

  it('friends’ revoked devices: the devices follow', async () => {
    const { log, followers: f } = followers()
    await followSyncedChanges(f, changes(['peerRevocations']))
    expect(log).toEqual(['devices', 'changed'])
  })

  it('the person’s settings: read again, and the devices’ secret with them', async () => {
    const { log, followers: f } = followers()
    await followSyncedChanges(f, changes(['settings']))
    expect(log).toEqual(['settings', 'devices secret', 'rotations', 'changed'])
  })

  it('changed items: friends online here are hinted, with exactly those ids', async () => {
    const { log, hinted, followers: f } = followers()
    await followSyncedChanges(f, changes(['items'], ['a', 'b']))
    expect(log).toEqual(['hints', 'changed'])
    expect(hinted).toEqual([['a', 'b']])
  })

  it('new delete notices, in the table or for some friends: the notice sender is kicked', async () => {
    for (const c of [changes(['notices']), changes([], [], ['bob'])]) {
      const { log, followers: f } = followers()
      await followSyncedChanges(f, c)
      expect(log).toEqual(['notices', 'changed'])
    }
  })
})
