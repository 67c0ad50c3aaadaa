// Harness entry points for large files: an owner page that shares a file of
// a given size, a friend page that fetches it (into its IndexedDB, for the
// benchmark; or many times at once without keeping it, for the memory test).
// Each page holds one person; the page's own state lives here.
import type { KithClient } from '../../client/api/kith-client'
import { downloadPieces } from '../../client/files/file-download'
import { parseAddress } from '../../shared/identity/identity'
import { befriendAndSync, openClient } from './people'

let person: KithClient | null = null

const openPerson = (trackers: string[]): Promise<KithClient> => openClient(trackers, 'kith-file')

/** `size` bytes as a Blob, without holding them in script memory: 1 MiB parts
 *  (each a little different) that the browser keeps outside the JS heap. */
function syntheticFile (size: number): Blob {
  const MiB = 1024 * 1024
  const parts: Blob[] = []
  for (let offset = 0; offset < size; offset += MiB) {
    const part = new Uint8Array(Math.min(MiB, size - offset))
    for (let i = 0; i < part.length; i += 4096) part[i] = (offset / MiB + i) & 0xff
    parts.push(new Blob([part]))
  }
  return new Blob(parts)
}

export const fileHarness = {
  /** Owner: shares a file of `size` bytes with all friends and makes an invite. */
  fileOwner: async (trackers: string[], size: number) => {
    person = await openPerson(trackers)
    const t0 = performance.now()
    const item = await person.createItem({ type: 'file', text: 'a large file', audience: { kind: 'friends' }, file: { name: 'large.bin', mime: 'application/octet-stream', content: syntheticFile(size) } })
    const saveSeconds = (performance.now() - t0) / 1000
    const { token } = await person.node.invites.create({ label: 'file friend', expiresInMs: null })
    return { address: person.address, itemId: item.id, token, saveSeconds }
  },
  /** Friend: redeems the invite and syncs the owner's listing. */
  fileFriend: async (trackers: string[], ownerAddress: string, token: string) => {
    person = await openPerson(trackers)
    return befriendAndSync(person, ownerAddress, token)
  },
  /** Friend: fetches the file through the app's feed, from the owner's
   *  IndexedDB into this page's IndexedDB. Returns seconds and the size. */
  fileFetch: async (ownerAddress: string, itemId: string) => {
    const feed = await person!.feed(ownerAddress)
    const t0 = performance.now()
    const file = await feed.fetchFile(itemId)
    const seconds = (performance.now() - t0) / 1000
    feed.close()
    return { seconds, bytes: file.size }
  },
  /** Friend: asks for the file `copies` times at once, each download range
   *  by range as the app does, keeping nothing. Returns the bytes received. */
  fileFetchConcurrently: async (ownerAddress: string, itemId: string, size: number, copies: number) => {
    const session = await person!.node.getSession(parseAddress(ownerAddress))
    let received = 0
    await Promise.all(Array.from({ length: copies }, () => downloadPieces({
      size,
      have: new Set(),
      fetchRange: (offset, length) => session.rpc.call('fetchFile', { id: itemId, offset, length }, { timeoutMs: 120_000 }),
      store: async (_index, bytes) => { received += bytes.length }
    })))
    return received
  }
}
