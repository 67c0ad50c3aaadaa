// A pull from another of my devices changed things here: the parts that
// keep state in memory follow (device lists and revocations, the person's
// settings, friends online hearing of changed items, notices to deliver).
import type { AppliedChanges } from '../sync/apply'
import type { HintSender } from '../notices/hint-sender'
import type { NoticeSender } from '../notices/notice-sender'
import type { PersonSettings } from '../person/person-settings'
import type { OwnDevices } from './own-devices'
import type { PersonRotations } from '../person/rotations'

export interface SyncFollowers {
  ownDevices: Pick<OwnDevices, 'followDeviceChanges' | 'reloadSecret'>
  settings: Pick<PersonSettings, 'reload'>
  /** My recovery record may have come: my own rotations follow from it. */
  rotations: Pick<PersonRotations, 'load'>
  hints: Pick<HintSender, 'itemsChanged'>
  noticeSender: Pick<NoticeSender, 'kick'>
  changed: () => void
}

export async function followSyncedChanges (followers: SyncFollowers, changes: AppliedChanges): Promise<void> {
  if (changes.tables.has('devices') || changes.tables.has('peerRevocations')) await followers.ownDevices.followDeviceChanges()
  if (changes.tables.has('settings')) {
    await followers.settings.reload()
    await followers.ownDevices.reloadSecret()
    await followers.rotations.load()
  }
  // An item changed on another of my devices: friends online here hear of it too.
  if (changes.itemIds.size > 0) followers.hints.itemsChanged(changes.itemIds)
  if (changes.tables.has('notices') || changes.noticeFriends.size > 0 || changes.tables.has('devices')) followers.noticeSender.kick()
  followers.changed()
}
