// The steps every network case takes through the real UI: two people open
// Kith, one invites, the other accepts, a note travels between them.
import { expect } from 'vitest'
import { feedTexts, refreshFeed, setName, tab } from '../../e2e/support/app'
import { openApp, screenshot, type Person } from '../../e2e/support/world'

export async function openAs (person: Person, appUrl: string, name: string): Promise<string> {
  const address = await openApp(person, appUrl)
  await setName(person, name)
  return address
}

export async function createInvite (inviter: Person): Promise<string> {
  await tab(inviter.page, 'Invites')
  await inviter.page.getByLabel('Label (only you see it)').fill('network test')
  await inviter.page.getByRole('button', { name: 'Create invite' }).click()
  const link = inviter.page.getByTestId('invite-link')
  await expect.poll(() => link.textContent()).toContain('#/invite/')
  return (await link.textContent())!.trim()
}

/** Accepts an invite and waits until the inviter's page is open, connected. */
export async function acceptInvite (person: Person, link: string, inviterAddress: string, inviterName: string): Promise<void> {
  await person.page.goto(link)
  await person.page.getByRole('button', { name: 'Accept invite' }).click()
  await expect.poll(() => person.page.url(), { timeout: 60_000 }).toContain(`#/friend/${inviterAddress}`).catch(async (err) => {
    await screenshot(person, `network-failed-accept-${person.name}`)
    throw err
  })
  await person.page.getByTestId('friend-name').filter({ hasText: inviterName }).waitFor({ timeout: 30_000 }).catch(async (err) => {
    await screenshot(person, `network-failed-friend-page-${person.name}`)
    throw err
  })
}

export async function shareNote (owner: Person, text: string): Promise<void> {
  const page = owner.page
  await tab(page, 'My items')
  await page.getByRole('radio', { name: 'Note', exact: true }).check()
  await page.getByLabel('Text', { exact: true }).fill(text)
  await page.getByRole('radio', { name: 'All friends' }).check()
  await page.getByRole('button', { name: 'Share' }).click()
  await page.getByTestId('my-item').filter({ hasText: text }).waitFor()
}

/** Opens the owner's page at the friend's and fetches until the note shows. */
export async function fetchNote (friend: Person, appUrl: string, ownerAddress: string, text: string): Promise<void> {
  if (!friend.page.url().includes(`#/friend/${ownerAddress}`)) await friend.page.goto(`${appUrl}#/friend/${ownerAddress}`)
  await refreshFeed(friend.page)
  await expect.poll(async () => (await feedTexts(friend.page)).join('\n'), { timeout: 30_000 }).toContain(text)
}
