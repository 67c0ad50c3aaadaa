// Friends, groups, scoped sharing and real deletion, driven through the real
// UI in real Chromium with four people (browser contexts): Alice shares to
// group "family" (Bob) and group "work" (Carol); Dave knows her address but
// holds no invite.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { feedTexts, refreshFeed, tab } from './support/app'
import { acceptInvite, befriend, createGroup, createInvite, newPeople, share } from './support/people'
import { openApp, reopenApp, screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
let alice: Person, bob: Person, carol: Person, dave: Person
let bobLink = ''

const FAMILY_NOTE = 'Family dinner on Sunday at six'
const WORK_NOTE = 'Quarterly work plan draft'
const PRIVATE_NOTE = 'My private diary entry'
const PHOTO_CAPTION = 'Beach photo from the holidays'
const PHOTO_BYTES = 20 * 1024 * 1024

function deletionFriend (name: string) {
  return alice.page.getByTestId('deletion-friend').filter({ hasText: name })
}

describe('friends, groups and scoped sharing', () => {
  it('four people open Kith; Alice makes groups and invites', async () => {
    ;[alice, bob, carol, dave] = await newPeople(world, 'Alice', 'Bob', 'Carol', 'Dave')
    for (const name of ['family', 'work']) await createGroup(alice, name)
    bobLink = await createInvite(alice, 'for Bob')
    await screenshot(alice, '10-alice-invite')
    await acceptInvite(bob, bobLink, alice)
    await befriend(alice, carol)
    await screenshot(bob, '11-bob-accepted')
  })

  it('both sides list each other, with the same safety code', async () => {
    await tab(alice.page, 'Friends')
    const bobEntry = alice.page.getByTestId('friend-entry').filter({ hasText: 'Bob' })
    await bobEntry.waitFor()
    await bob.page.goto(world.appUrl + '#/friends')
    const aliceEntry = bob.page.getByTestId('friend-entry').filter({ hasText: 'Alice' })
    await aliceEntry.waitFor()
    const codeAtAlice = (await bobEntry.getByTestId('safety-code').textContent())!.trim()
    const codeAtBob = (await aliceEntry.getByTestId('safety-code').textContent())!.trim()
    expect(codeAtAlice).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/)
    expect(codeAtBob).toBe(codeAtAlice)
    await bobEntry.getByRole('checkbox', { name: 'family' }).check()
    await alice.page.getByTestId('friend-entry').filter({ hasText: 'Carol' }).getByRole('checkbox', { name: 'work' }).check()
    await expect.poll(() => bobEntry.getByRole('checkbox', { name: 'family' }).isChecked()).toBe(true)
    await screenshot(alice, '12-alice-friends')
  })

  it('Alice shares to family, work and only herself; each friend sees only their items', async () => {
    await share(alice, FAMILY_NOTE, { to: ['family'] })
    await share(alice, WORK_NOTE, { to: ['work'] })
    await share(alice, PRIVATE_NOTE, { to: 'Only me' })
    await share(alice, PHOTO_CAPTION, { to: ['family'], file: { name: 'beach.png', mimeType: 'image/png', buffer: Buffer.alloc(PHOTO_BYTES, 7) } })
    await screenshot(alice, '13-alice-items')

    await bob.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await refreshFeed(bob.page)
    await expect.poll(() => feedTexts(bob.page)).toHaveLength(2)
    const bobSees = (await feedTexts(bob.page)).join('\n')
    expect(bobSees).toContain(FAMILY_NOTE)
    expect(bobSees).toContain(PHOTO_CAPTION)
    expect(bobSees).not.toContain(WORK_NOTE)
    expect(bobSees).not.toContain(PRIVATE_NOTE)

    await carol.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await refreshFeed(carol.page)
    await expect.poll(() => feedTexts(carol.page)).toHaveLength(1)
    expect((await feedTexts(carol.page))[0]).toContain(WORK_NOTE)
  })

  it('Bob downloads the 20 MB photo with a progress bar', async () => {
    // Alice's original left her disk once it was shared (share() in
    // support/people.ts removes it): what Bob gets is her node's own copy.
    const item = bob.page.getByTestId('feed-item').filter({ hasText: PHOTO_CAPTION })
    await item.getByRole('button', { name: 'Save to device' }).click()
    // The progress bar shows while the file streams in.
    await item.getByTestId('file-progress').waitFor({ timeout: 10_000 })
    await screenshot(bob, '14-bob-downloading')
    await item.getByTestId('file-link').waitFor({ timeout: 60_000 })
    await screenshot(bob, '15-bob-downloaded')
  })

  it('a file deleted from Alice\'s disk between choosing it and pressing Share: she is told to choose it again, and nothing is shared', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kith-gone-'))
    const path = join(dir, 'gone.png')
    await writeFile(path, Buffer.alloc(3 * 1024 * 1024, 9))
    await tab(alice.page, 'My items')
    await alice.page.getByRole('radio', { name: 'File', exact: true }).check()
    await alice.page.getByLabel(/^File/).setInputFiles(path)
    await alice.page.getByLabel('Caption (optional)').fill('A photo that is gone')
    await rm(dir, { recursive: true, force: true })
    await alice.page.getByRole('button', { name: 'Share' }).click()
    await expect.poll(() => alice.page.getByTestId('composer-error').textContent(), { timeout: 30_000 }).toMatch(/could not be read.*Choose it again/)
    expect(await alice.page.getByTestId('my-item').filter({ hasText: 'A photo that is gone' }).count()).toBe(0)
    await screenshot(alice, '15b-alice-file-gone')
  })

  it('Alice deletes a note Bob has cached: his copy disappears and she sees his confirmation', async () => {
    await tab(alice.page, 'My items')
    const item = alice.page.getByTestId('my-item').filter({ hasText: FAMILY_NOTE })
    await item.getByRole('button', { name: 'Delete' }).click()
    await item.getByRole('button', { name: 'Yes, delete' }).click()
    await expect.poll(async () => (await feedTexts(bob.page)).some((t) => t.includes(FAMILY_NOTE)), { timeout: 30_000 }).toBe(false)
    await expect.poll(() => deletionFriend('Bob').textContent(), { timeout: 30_000 }).toMatch(/confirmed/)
    await screenshot(alice, '16-alice-deletion-confirmed')
  })

  it('Carol is offline while Alice deletes a work item; it is gone from Carol after she comes back', async () => {
    await carol.page.close()
    // Alice notices Carol went away before deleting.
    await tab(alice.page, 'Friends')
    await expect.poll(() => alice.page.getByTestId('friend-entry').filter({ hasText: 'Carol' }).getByTestId('friend-presence').textContent(), { timeout: 30_000 }).toMatch(/Offline/)
    await tab(alice.page, 'My items')
    const item = alice.page.getByTestId('my-item').filter({ hasText: WORK_NOTE })
    await item.getByRole('button', { name: 'Delete' }).click()
    await item.getByRole('button', { name: 'Yes, delete' }).click()
    await expect.poll(() => deletionFriend('Carol').textContent()).toMatch(/waiting/)
    await screenshot(alice, '17-alice-deletion-waiting')

    // Carol comes back: she only opens Kith; the notice finds her.
    await reopenApp(carol, world.appUrl)
    await expect.poll(() => deletionFriend('Carol').textContent(), { timeout: 90_000 }).toMatch(/confirmed/)
    await carol.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await carol.page.getByTestId('feed-state').waitFor()
    expect((await feedTexts(carol.page)).join('\n')).not.toContain(WORK_NOTE)
  })

  it('Alice removes Bob from "family": his cached family items are deleted', async () => {
    await tab(alice.page, 'Friends')
    await alice.page.getByTestId('friend-entry').filter({ hasText: 'Bob' }).getByRole('checkbox', { name: 'family' }).uncheck()
    await expect.poll(async () => (await feedTexts(bob.page)).some((t) => t.includes(PHOTO_CAPTION)), { timeout: 30_000 }).toBe(false)
    await screenshot(bob, '18-bob-after-leaving-family')
  })

  it('Dave knows Alice’s address but holds no invite: he cannot even find her', async () => {
    // Alice is online, but not reachable by address (the default): friends
    // and invite holders meet her in swarms only they can name.
    expect(await alice.page.evaluate(() => document.visibilityState)).toBe('visible')
    await dave.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await expect.poll(() => dave.page.getByTestId('friend-phase').textContent(), { timeout: 30_000 }).toMatch(/Not reachable after \d+ seconds/)
    expect(await dave.page.getByTestId('friend-name').textContent()).not.toContain('Alice')
    expect(await dave.page.getByTestId('feed-item').count()).toBe(0)
    await screenshot(dave, '19-dave-gets-nothing')
  })

  it('once Alice lets her address be used, Dave reaches her but still gets no item', async () => {
    await tab(alice.page, 'Me & server')
    await alice.page.getByLabel('Anyone who has my address can reach me').check()
    await dave.page.getByTestId('friend-name').filter({ hasText: 'Alice' }).waitFor({ timeout: 60_000 })
    await dave.page.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => dave.page.getByTestId('feed-state').textContent(), { timeout: 30_000 }).toMatch(/no longer shares with you|not friends/)
    expect(await dave.page.getByTestId('feed-item').count()).toBe(0)
    await alice.page.getByLabel('Anyone who has my address can reach me').uncheck()
  })

  it('a used invite cannot be used again', async () => {
    await dave.page.goto(bobLink)
    await dave.page.getByRole('button', { name: 'Accept invite' }).click()
    await expect.poll(() => dave.page.getByTestId('invite-error').textContent(), { timeout: 30_000 }).toMatch(/already been used/)
    await screenshot(dave, '20-dave-used-invite')
  })

  it('a request to an offline friend waits in the queue, survives a reload and goes out once', async () => {
    await alice.page.close() // Alice goes offline
    await bob.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await bob.page.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => bob.page.getByTestId('feed-state').textContent(), { timeout: 30_000 }).toMatch(/queued/)
    await bob.page.reload()
    await bob.page.getByRole('button', { name: 'Refresh' }).click()
    await screenshot(bob, '21-bob-queued')
    // Alice comes back and shares something with all friends.
    alice.page = await alice.context.newPage()
    await openApp(alice, world.appUrl)
    await share(alice, 'Back online for everyone')
    await expect.poll(async () => (await feedTexts(bob.page)).filter((t) => t.includes('Back online for everyone')).length, { timeout: 60_000 }).toBe(1)
    await bob.page.reload()
    await expect.poll(async () => (await feedTexts(bob.page)).filter((t) => t.includes('Back online for everyone')).length, { timeout: 30_000 }).toBe(1)
  })

  it('Alice removes Bob as a friend: his access ends and his cached copies are deleted', async () => {
    await tab(alice.page, 'Friends')
    const entry = alice.page.getByTestId('friend-entry').filter({ hasText: 'Bob' })
    await entry.getByRole('button', { name: 'Remove friend' }).click()
    await entry.getByRole('button', { name: 'Yes, remove' }).click()
    await expect.poll(async () => (await feedTexts(bob.page)).length, { timeout: 30_000 }).toBe(0)
    // Once he has confirmed, Alice closes the connection and he cannot reconnect.
    await bob.page.getByTestId('friend-rtt').waitFor({ state: 'detached', timeout: 30_000 })
    await expect.poll(() => bob.page.getByTestId('friend-phase').textContent(), { timeout: 30_000 }).toMatch(/Not reachable after \d+ seconds/)
    // Alice no longer sits in their pair swarm: Bob's request finds nobody
    // (it waits in his queue) and brings nothing back.
    await bob.page.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => bob.page.getByTestId('feed-state').textContent(), { timeout: 30_000 }).toMatch(/queued|no longer shares with you/)
    expect(await bob.page.getByTestId('feed-item').count()).toBe(0)
    await screenshot(bob, '22-bob-removed')
  })
})
