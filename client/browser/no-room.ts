// Out of room, said with the numbers: how much the browser lets Kith use and
// how much it already does, so the owner knows it is not a passing glitch.
import { KithError } from '../../shared/wire/errors'
import { isQuotaError } from '../../shared/util/quota'
import { storageInfo } from './storage-info'
import { formatBytes } from '../elements/format'

export const NO_ROOM = 'Your browser has no room left for Kith'

/** "Your browser has no room left for Kith: 1.2 GB used of 1.2 GB. <what happened>" */
export async function noRoomMessage (what: string): Promise<string> {
  const info = await storageInfo().catch(() => null)
  const numbers = info?.usage != null && info.quota != null ? `: ${formatBytes(info.usage)} used of ${formatBytes(info.quota)}` : ''
  return `${NO_ROOM}${numbers}. ${what}`
}

/** A storage error from saving, in those words; any other error as it was. */
export async function inWordsIfNoRoom (err: unknown, what: string): Promise<unknown> {
  const quota = isQuotaError(err) || (err instanceof KithError && err.code === 'TOO_LARGE' && /not enough storage space/.test(err.message))
  return quota ? new KithError('TOO_LARGE', await noRoomMessage(what)) : err
}
