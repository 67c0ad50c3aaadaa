// Recovery words in the real app, over real nodes: Alice sets them up in
// her Devices tab (clicks and typing), and Bob's node, the next time it
// meets hers, keeps her recovery record: the key her words make, and no
// other. (Rotation is not carried to friends yet: docs/security.md.)
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCrypto } from '../../shared/crypto/crypto'
import { parseAddress } from '../../shared/identity/identity'
import { recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { toHex } from '../../shared/util/bytes'
import { tab } from './support/app'
import { setUpRecoveryWords } from './support/identity'
import { befriend, newPeople } from './support/people'
import { desktopAndPhone, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
let alice: Person, bob: Person

/** The recovery key Bob's node keeps for `friendHex` (bytes 33–65 of the record), hex; '' when none. */
function keptRecoveryKey (page: Person['page'], friendHex: string): Promise<string> {
  return page.evaluate((hex) => new Promise<string>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const get = open.result.transaction('settings').objectStore('settings').get(`recovery.of.${hex}`)
      get.onsuccess = () => {
        const value = (get.result as { value?: Uint8Array } | undefined)?.value
        open.result.close()
        resolve(value ? Array.from(value.subarray(33, 65), (b) => b.toString(16).padStart(2, '0')).join('') : '')
      }
      get.onerror = () => reject(get.error)
    }
  }), friendHex)
}

describe('recovery words, set up and learnt by a friend', () => {
  beforeAll(() => loadCrypto())

  it('Alice and Bob open Kith and become friends', async () => {
    ;[alice, bob] = await newPeople(world, 'Alice', 'Bob')
    await befriend(alice, bob)
  })

  it('Alice writes her words down and checks three; Bob’s node keeps the key they make', async () => {
    const words = await setUpRecoveryWords(alice)
    await desktopAndPhone(alice, 'recovery-4-done-app')

    // Bob opens Kith again: a new session with Alice's node, on which he asks for her record.
    const aliceHex = toHex(parseAddress(alice.address))
    expect(await keptRecoveryKey(bob.page, aliceHex)).toBe('')
    await bob.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await bob.page.reload()
    await bob.page.getByTestId('friend-name').filter({ hasText: 'Alice' }).waitFor({ timeout: 30_000 })
    await expect.poll(() => keptRecoveryKey(bob.page, aliceHex), { timeout: 60_000 }).toBe(toHex(recoveryKeyFromWords(words).publicKey))

    // Alice's tab now says so, and offers nothing more (also after a reload).
    await alice.page.reload()
    await tab(alice.page, 'Devices')
    await alice.page.getByTestId('recovery-set-up').waitFor()
    expect(await alice.page.getByRole('button', { name: 'Set up recovery words' }).count()).toBe(0)
  })
})
