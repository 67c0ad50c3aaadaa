// What people do in Kith's UI to become friends and share, as the browser
// tests (and the network suite) tell it: open Kith under a name, invite,
// accept, befriend, make groups, share. Clicks and typing only.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import { feedTexts, refreshFeed, setName, tab } from './app'
import { openApp, screenshot, type Person, type World } from './world'

/** Opens Kith and sets the name friends see; returns the address shown. */
export async function openAs (person: Person, appUrl: string, name: string): Promise<string> {
  const address = await openApp(person, appUrl)
  await setName(person, name)
  return address
}

/** Creates an invite on the Invites tab; returns the link shown. */
export async function createInvite (inviter: Person, label: string): Promise<string> {
  await tab(inviter.page, 'Invites')
  await inviter.page.getByLabel('Label (only you see it)').fill(label)
  await inviter.page.getByRole('button', { name: 'Create invite' }).click()
  // A locator's wait, not expect.poll: this also runs in beforeAll.
  const link = inviter.page.getByTestId('invite-link').filter({ hasText: '#/invite/' })
  await link.waitFor()
  return (await link.textContent())!.trim()
}

/** Accepts an invite and waits until the inviter's page is open and shows
 *  their name (so they are connected). A failure leaves a screenshot. */
export async function acceptInvite (person: Person, link: string, inviter: Person): Promise<void> {
  await person.page.goto(link)
  await person.page.getByRole('button', { name: 'Accept invite' }).click()
  await expect.poll(() => person.page.url(), { timeout: 60_000 }).toContain(`#/friend/${inviter.address}`).catch(async (err) => {
    await screenshot(person, `failed-accept-${person.name}`)
    throw err
  })
  await person.page.getByTestId('friend-name').filter({ hasText: inviter.shownName }).waitFor({ timeout: 30_000 }).catch(async (err) => {
    await screenshot(person, `failed-friend-page-${person.name}`)
    throw err
  })
}

/** The inviter invites, the invitee accepts; returns the (now used) link. */
export async function befriend (inviter: Person, invitee: Person, label = `for ${invitee.shownName}`): Promise<string> {
  const link = await createInvite(inviter, label)
  await acceptInvite(invitee, link, inviter)
  return link
}

export async function createGroup (owner: Person, name: string): Promise<void> {
  await tab(owner.page, 'Groups')
  await owner.page.getByLabel('New group name').fill(name)
  await owner.page.getByRole('button', { name: 'Create group' }).click()
  await owner.page.getByTestId('group-name').filter({ hasText: name }).waitFor()
}

/** Ticks a group on a friend's entry (Friends tab) and waits until it holds. */
export async function addToGroup (owner: Person, friendName: string, group: string): Promise<void> {
  await tab(owner.page, 'Friends')
  const box = owner.page.getByTestId('friend-entry').filter({ hasText: friendName }).getByRole('checkbox', { name: group })
  await box.check()
  await expect.poll(() => box.isChecked()).toBe(true)
}

export interface FileToShare { name: string, mimeType: string, buffer: Buffer }

export interface Sharing {
  kind?: 'Note' | 'Post'
  /** A file (by its bytes or its path); the text is then its caption. */
  file?: FileToShare | string
  /** Who sees it: all friends (the default), only me, or exactly these groups. */
  to?: 'All friends' | 'Only me' | string[]
}

/** Bytes given as a buffer go to the page through the DevTools protocol, in
 *  base64: 20 MB took over 30 s while a test beside it loaded the machine.
 *  Above this size a file whose name says its type goes by path instead. */
const BY_PATH_ABOVE = 1024 * 1024
const TYPE_OF_EXTENSION: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' }

/** The file as setInputFiles takes it, and what to remove once it was read. */
async function fileInput (file: FileToShare | string): Promise<{ input: FileToShare | string, done: () => Promise<void> }> {
  const nothing = async (): Promise<void> => {}
  if (typeof file === 'string' || file.buffer.length <= BY_PATH_ABOVE) return { input: file, done: nothing }
  if (TYPE_OF_EXTENSION[file.name.split('.').pop()!.toLowerCase()] !== file.mimeType) return { input: file, done: nothing }
  const dir = await mkdtemp(join(tmpdir(), 'kith-share-'))
  const path = join(dir, file.name)
  await writeFile(path, file.buffer)
  return { input: path, done: () => rm(dir, { recursive: true, force: true }) }
}

/** Shares from the My items tab and waits until the item is listed. */
export async function share (owner: Person, text: string, { kind = 'Note', file, to = 'All friends' }: Sharing = {}): Promise<void> {
  const page = owner.page
  await tab(page, 'My items')
  const chosen = file ? await fileInput(file) : null
  try {
    await shareForm(page, text, { kind, file: chosen?.input, to })
  } finally {
    // Removed once the item is listed: its bytes are in the node's storage by then.
    await chosen?.done()
  }
}

async function shareForm (page: Page, text: string, { kind, file, to }: Required<Pick<Sharing, 'kind' | 'to'>> & Pick<Sharing, 'file'>): Promise<void> {
  if (file) {
    await page.getByRole('radio', { name: 'File', exact: true }).check()
    await page.getByLabel(/^File/).setInputFiles(file)
    await page.getByLabel('Caption (optional)').fill(text)
  } else {
    await page.getByRole('radio', { name: kind, exact: true }).check()
    await page.getByLabel('Text', { exact: true }).fill(text)
  }
  if (typeof to === 'string') {
    await page.getByRole('radio', { name: to }).check()
  } else {
    await page.getByRole('radio', { name: 'Selected groups' }).check()
    const groups = page.getByRole('group', { name: 'Groups that can see it' })
    for (const group of to) await groups.getByRole('checkbox', { name: group, exact: true }).check()
    // The form may still hold groups ticked before: leave exactly `to` ticked.
    const ticked = await groups.getByRole('checkbox', { checked: true }).evaluateAll((boxes) => boxes.map((box) => box.closest('label')?.textContent?.trim() ?? ''))
    for (const group of ticked) if (!to.includes(group)) await groups.getByRole('checkbox', { name: group, exact: true }).uncheck()
  }
  await page.getByRole('button', { name: 'Share' }).click()
  await page.getByTestId('my-item').filter({ hasText: text }).waitFor({ timeout: 60_000 })
}

/** Opens the owner's page at the friend's and fetches until the note shows. */
export async function fetchNote (friend: Person, appUrl: string, owner: Person, text: string): Promise<void> {
  if (!friend.page.url().includes(`#/friend/${owner.address}`)) await friend.page.goto(`${appUrl}#/friend/${owner.address}`)
  await refreshFeed(friend.page)
  await expect.poll(async () => (await feedTexts(friend.page)).join('\n'), { timeout: 30_000 }).toContain(text)
}

/** New people, a browser context each, with Kith open under the names given
 *  (their ids are the names in lower case). */
export async function newPeople<const N extends readonly string[]> (world: World, ...names: N): Promise<{ [K in keyof N]: Person }> {
  const people: Person[] = []
  for (const name of names) {
    const person = await world.person(name.toLowerCase())
    await openAs(person, world.appUrl, name)
    people.push(person)
  }
  return people as { [K in keyof N]: Person }
}
