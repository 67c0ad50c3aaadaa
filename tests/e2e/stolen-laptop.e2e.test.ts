// The stolen laptop, end to end in real pages (DESIGN §6a): Alice has a
// laptop and a phone (full devices) and the headless runner; Bob and Carol
// are her friends. She sets up her recovery words on the phone. A thief
// copies the laptop's browser profile (while it is closed) and keeps running
// the copy, and links a tablet of their own from it. Alice, on her phone,
// rotates with her words and revokes the laptop and the tablet, through the
// Devices tab. Bob, online, follows within seconds; Carol, offline then,
// follows when she next meets one of Alice's devices. Afterwards the thief's
// copy and its tablet are refused as Alice. The node-level attacks (forged
// chains, old-key certificates and revocations) are in
// tests/unit/attack-rotation-nodes.test.ts. After the rotation Alice links a
// new laptop from her phone, which holds the new key (linking after a
// rotation, over real nodes: tests/unit/attack-link-after-rotation.test.ts).
import { parseAddress } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { loadCrypto } from '../../shared/crypto/crypto'
import { tab } from './support/app'
import { copyProfile, keepsRecoveryRecord, pairSecretOf, revokedPeerDevices, storedSettingText, linkBrowser, newProfileDir, openProfile, rotationsFollowed, removeProfile, setUpRecoveryWords, type ProfilePerson } from './support/identity'
import { befriend, fetchNote, newPeople, openAs, share } from './support/people'
import { startRunner, type Runner } from './support/runner'
import { desktopAndPhone, openApp, screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile()
const profiles: ProfilePerson[] = []
let runner: (Runner & { port: number }) | undefined
let runner2: (Runner & { port: number }) | undefined

beforeAll(() => loadCrypto())

afterAll(async () => {
  for (const p of profiles) await p.context.close().catch(() => {})
  await runner?.stop()
  await runner2?.stop()
  for (const p of profiles) removeProfile(p.dir)
})

async function profile (name: string, dir = newProfileDir()): Promise<ProfilePerson> {
  const p = await openProfile(name, dir)
  profiles.push(p)
  return p
}

/** Opens the friend's page until this node keeps what `done` asks (each
 *  visit a new session with whichever of the friend's devices answers). */
async function meetUntil (person: Person, friend: string, done: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; ; tries++) {
    await person.page.goto(`${world.appUrl}#/me`)
    await person.page.goto(`${world.appUrl}#/friend/${friend}`)
    await person.page.reload()
    const ok = await expect.poll(done, { timeout: 15_000 }).toBe(true).then(() => true, () => false)
    if (ok) return
    if (tries === 4) throw new Error(`${person.name} never got there`)
  }
}

/** What pasting a connection code came to on the friend's page: the error
 *  shown, an answer code made, or the status line while neither is there
 *  (so a failure says which). */
async function codeOutcome (page: Page): Promise<string> {
  const error = page.getByTestId('manual-connect-error')
  if (await error.count() > 0) return await error.textContent() ?? ''
  if (await page.getByTestId('my-answer').count() > 0) return 'an answer code was made'
  const status = page.getByTestId('manual-connect-status')
  return `status: ${await status.count() > 0 ? await status.textContent() : '(none)'}`
}

describe('a stolen laptop, and Alice taking her identity back', () => {
  let laptop: ProfilePerson, thief: ProfilePerson, phone: Person, tablet: Person, bob: Person, carol: Person
  let aliceHex = ''
  let words: string[] = []

  it('Alice has a laptop, a phone and the runner; Bob and Carol are her friends; she sets up her words on the phone', async () => {
    laptop = await profile('laptop')
    await openAs(laptop, world.appUrl, 'Alice')
    aliceHex = toHex(parseAddress(laptop.address))
    ;[bob, carol] = await newPeople(world, 'Bob', 'Carol')
    await befriend(laptop, bob)
    await befriend(laptop, carol)

    runner = await startRunner({ tracker: world.trackers[0]!.url, name: 'Kitchen Pi' })
    const code = await runner.waitForLine(/^ {2}kith-link-\S+$/, 0, 30_000)
    await tab(laptop.page, 'Devices')
    await laptop.page.getByLabel('Link code').fill(code.line.trim())
    await laptop.page.getByRole('button', { name: 'Submit' }).click()
    await laptop.page.getByTestId('verification-code').waitFor({ timeout: 45_000 })
    await laptop.page.getByLabel('Name of this device, the one you are using now').fill('Laptop')
    await laptop.page.getByRole('button', { name: 'Approve' }).click()
    await runner.waitForLine(/ linked as \S+ \(Kitchen Pi\) · /, code.index, 30_000)

    phone = await world.person('phone')
    await linkBrowser(laptop, phone, world.appUrl, 'Phone')
    words = await setUpRecoveryWords(phone)
    // Bob and Carol keep her recovery record the next time they meet her
    // (whichever of her devices answers, once it has the record through sync).
    await expect.poll(() => storedSettingText(laptop.page, 'recovery.record'), { timeout: 30_000 }).not.toBe('null')
    await meetUntil(bob, laptop.address, () => keepsRecoveryRecord(bob.page, aliceHex))
    await meetUntil(carol, laptop.address, () => keepsRecoveryRecord(carol.page, aliceHex))
  })

  it('a thief copies the laptop’s profile and runs the copy beside the laptop, linking a tablet of their own', async () => {
    await laptop.context.close()
    thief = await profile('thief', copyProfile(laptop.dir))
    laptop = await profile('laptop', laptop.dir)
    await openApp(laptop, world.appUrl)
    expect(await openApp(thief, world.appUrl)).toBe(laptop.address)
    tablet = await world.person('thief-tablet')
    await linkBrowser(thief, tablet, world.appUrl, 'Tablet')
    // Carol goes offline (her browser keeps everything).
    await carol.page.goto('about:blank')
  })

  it('Alice, on her phone, rotates with her words and revokes the laptop and the tablet', async () => {
    await tab(phone.page, 'Devices')
    const card = phone.page.getByTestId('rotate')
    const start = card.getByRole('button', { name: 'Take my identity back' })
    await start.waitFor()
    await desktopAndPhone(phone, 'stolen-1-offer')
    await start.click()
    await card.getByRole('textbox', { name: 'Your twelve recovery words, in order' }).fill(words.join(' '))
    await desktopAndPhone(phone, 'stolen-2-words')
    await card.getByRole('button', { name: 'Next' }).click()
    const devices = card.getByRole('group', { name: 'Which devices are still yours?' })
    // The tablet the thief linked reached the phone through sync.
    await expect.poll(() => devices.getByRole('checkbox', { name: /Tablet/ }).count(), { timeout: 30_000 }).toBe(1)
    await devices.getByRole('checkbox', { name: /Laptop/ }).uncheck()
    await devices.getByRole('checkbox', { name: /Tablet/ }).uncheck()
    await desktopAndPhone(phone, 'stolen-3-devices')
    await card.getByRole('button', { name: 'Next' }).click()
    expect(await card.getByTestId('rotate-revoke').locator('li').allTextContents()).toEqual(['Laptop', 'Tablet'])
    await desktopAndPhone(phone, 'stolen-4-confirm')
    await card.getByRole('button', { name: 'Replace my key and revoke 2 devices' }).click()
    await card.getByTestId('rotate-done').waitFor({ timeout: 30_000 })
    await desktopAndPhone(phone, 'stolen-5-done')
    expect(await rotationsFollowed(phone.page, aliceHex)).toBe(1)
  })

  it('Bob, online, follows within seconds; Carol follows when she next meets one of Alice’s devices', async () => {
    // Following means keeping the new chain and, told of the revocations,
    // meeting Alice at a secret that the thief's copy does not hold.
    const movedAway = async (friend: Person): Promise<boolean> =>
      await pairSecretOf(friend.page, aliceHex) !== await pairSecretOf(thief.page, toHex(parseAddress(friend.address)))
    await expect.poll(() => rotationsFollowed(bob.page, aliceHex), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => movedAway(bob), { timeout: 30_000 }).toBe(true)
    await meetUntil(carol, laptop.address, async () => await rotationsFollowed(carol.page, aliceHex) === 1 && await movedAway(carol))
  })

  it('Alice’s devices still reach Bob and Carol: what she shares on her phone now reaches both', async () => {
    await share(phone as Person & { shownName: string }, 'After the rotation: new key, same me')
    await fetchNote(bob, world.appUrl, laptop, 'After the rotation: new key, same me')
    await fetchNote(carol, world.appUrl, laptop, 'After the rotation: new key, same me')
  })

  it('after the rotation, Alice links a new laptop from her phone; it follows the rotation, may link in turn, and Bob gets what she shares on it', async () => {
    const newLaptop = await world.person('new-laptop')
    await linkBrowser(phone, newLaptop, world.appUrl, 'New laptop')
    // The link gave it the chain (its hellos carry it) and, as a full device, the new key.
    expect(await rotationsFollowed(newLaptop.page, aliceHex)).toBe(1)
    await tab(newLaptop.page, 'Devices')
    await newLaptop.page.getByRole('heading', { name: 'Link a device' }).waitFor()
    expect(await newLaptop.page.getByTestId('rotated-note').count()).toBe(0)
    await share(newLaptop as Person & { shownName: string }, 'Written on my new laptop')
    await fetchNote(bob, world.appUrl, laptop, 'Written on my new laptop')
    // Away again, as the next step needs all of Alice's devices to be.
    await newLaptop.page.goto('about:blank')
  })

  it('the thief’s copy and its tablet no longer know where Alice’s devices meet, and no friend answers their connection codes', async () => {
    // Where Alice's devices meet (the runner among them) was replaced by the rotation.
    const secret = (p: Person) => storedSettingText(p.page, 'devices.secret')
    expect(await secret(phone)).not.toBe(await secret(thief))
    expect(await secret(tablet)).toBe(await secret(thief))
    // Alice's own devices go away, so the friends' pages offer to connect by hand.
    await phone.page.goto('about:blank')
    await runner!.stop({ keepData: true })
    for (const [attacker, friend] of [[thief, bob], [tablet, carol]] as const) {
      await attacker.page.goto(`${world.appUrl}#/friend/${friend.address}`)
      await friend.page.goto(`${world.appUrl}#/me`)
      await friend.page.goto(`${world.appUrl}#/friend/${laptop.address}`)
      await friend.page.reload()
      await attacker.page.getByText('Connect without a tracker').click()
      await attacker.page.getByRole('button', { name: 'Make a connection code' }).click()
      const code = (await attacker.page.getByTestId('my-code').inputValue()).trim()
      // The friend, believing it comes from Alice, pastes it: it was sealed
      // under a meeting secret the rotation replaced, and is refused.
      await friend.page.getByText('Connect without a tracker').click()
      await friend.page.getByLabel('Paste their connection code').fill(code)
      await friend.page.getByRole('button', { name: 'Make my answer code' }).click()
      await expect.poll(() => codeOutcome(friend.page), { timeout: 30_000 }).toMatch(/was not made by Alice for you/)
      expect(await friend.page.getByTestId('my-answer').count()).toBe(0)
    }
  })
})

describe('the thief acts first: revokes Alice’s phone before she rotates', () => {
  let laptop: ProfilePerson, thief: ProfilePerson, phone: Person, bob: Person, carol: Person
  let aliceHex = ''
  let words: string[] = []

  it('Alice has a laptop, a phone and the runner, her words set up; Bob and Carol keep her recovery record', async () => {
    laptop = await profile('laptop2')
    await openAs(laptop, world.appUrl, 'Alice')
    aliceHex = toHex(parseAddress(laptop.address))
    ;[bob, carol] = await newPeople(world, 'Bob2', 'Carol2')
    await befriend(laptop, bob)
    await befriend(laptop, carol)
    phone = await world.person('phone2')
    await linkBrowser(laptop, phone, world.appUrl, 'Phone', { approverName: 'Laptop' })
    words = await setUpRecoveryWords(phone)
    await expect.poll(() => storedSettingText(laptop.page, 'recovery.record'), { timeout: 30_000 }).not.toBe('null')
    // The runner, linked once the laptop has her recovery record (it syncs it from there).
    runner2 = await startRunner({ tracker: world.trackers[0]!.url, name: 'Hall Pi' })
    const code = await runner2.waitForLine(/^ {2}kith-link-\S+$/, 0, 30_000)
    await tab(laptop.page, 'Devices')
    await laptop.page.getByLabel('Link code').fill(code.line.trim())
    await laptop.page.getByRole('button', { name: 'Submit' }).click()
    await laptop.page.getByTestId('verification-code').waitFor({ timeout: 45_000 })
    await laptop.page.getByRole('button', { name: 'Approve' }).click()
    await runner2.waitForLine(/ linked as \S+ \(Hall Pi\) · /, code.index, 30_000)
    await expect.poll(() => runner2!.status().sync, { timeout: 30_000 }).toMatch(/^2 of 2 other devices connected, up to date/)
    await meetUntil(bob, laptop.address, () => keepsRecoveryRecord(bob.page, aliceHex))
    await meetUntil(carol, laptop.address, () => keepsRecoveryRecord(carol.page, aliceHex))
  })

  it('the thief’s copy revokes the phone, and Bob, online, is told (he keeps the revocation)', async () => {
    await laptop.context.close()
    thief = await profile('thief2', copyProfile(laptop.dir))
    await openApp(thief, world.appUrl)
    await carol.page.goto('about:blank')
    await phone.page.goto('about:blank')
    await tab(thief.page, 'Devices')
    await thief.page.getByRole('button', { name: 'Revoke Phone' }).click()
    await thief.page.getByRole('group', { name: 'Revoke “Phone”?' }).getByRole('button', { name: 'Revoke Phone' }).click()
    await expect.poll(() => thief.page.getByTestId('device').filter({ hasText: 'Phone' }).getByTestId('revoked').count()).toBe(1)
    // Bob meets the thief's copy (he does not know yet) and is told.
    await meetUntil(bob, laptop.address, async () => await revokedPeerDevices(bob.page, aliceHex) > 0)
    // The runner takes the thief's revocation (and its new devices secret):
    // the phone is no longer one of its devices. Then the thief goes away.
    await expect.poll(() => runner2!.status().sync, { timeout: 30_000 }).toMatch(/^1 of 1 other device connected/)
    await thief.page.goto('about:blank')
    await expect.poll(() => runner2!.status().sync, { timeout: 30_000 }).toMatch(/^0 of 1 other device connected/)
  })

  it('Alice rotates on her phone, revoking the laptop; Bob and Carol end on her side', async () => {
    await openApp(phone, world.appUrl)
    await tab(phone.page, 'Devices')
    const card = phone.page.getByTestId('rotate')
    await card.getByRole('button', { name: 'Take my identity back' }).click()
    await card.getByRole('textbox', { name: 'Your twelve recovery words, in order' }).fill(words.join(' '))
    await card.getByRole('button', { name: 'Next' }).click()
    await card.getByRole('group', { name: 'Which devices are still yours?' }).getByRole('checkbox', { name: /Laptop/ }).uncheck()
    await card.getByRole('button', { name: 'Next' }).click()
    await card.getByRole('button', { name: 'Replace my key and revoke 1 device' }).click()
    await card.getByTestId('rotate-done').waitFor({ timeout: 30_000 })
    // Bob and Carol follow (each meets Alice again) and reach her phone:
    // what she shares there now reaches both.
    await share(phone, 'Still me, after the thief went first')
    for (const friend of [bob, carol]) {
      await meetUntil(friend, laptop.address, async () => await rotationsFollowed(friend.page, aliceHex) === 1)
      await fetchNote(friend, world.appUrl, laptop, 'Still me, after the thief went first')
    }
  })

  it('the runner, moved by the thief, still meets the phone where they met before, and ends on Alice’s side', async () => {
    // The phone finds the runner in the swarm both left (the runner listens
    // there a while; the phone, having rotated, dials there). With the
    // laptop and the thief's copy closed, the one device the runner can be
    // connected to is the phone: the runner followed the rotation (the
    // thief's revocation of the phone no longer counts), pulled from the
    // phone the laptop's revocation (one other device, not two), and is up
    // to date with it.
    await expect.poll(() => runner2!.status().sync, { timeout: 90_000 }).toMatch(/^1 of 1 other device connected, up to date/)
  })
})
