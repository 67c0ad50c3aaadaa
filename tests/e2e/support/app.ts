// Steps in the app's UI that several browser tests take.
import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import type { Person } from './world'

export async function tab (page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name }).click()
}

export async function setName (person: Person, name: string): Promise<void> {
  await person.page.getByLabel('Name shown to friends').fill(name)
  await person.page.getByRole('button', { name: 'Save name' }).click()
  await person.page.getByText('Saved. Friends see this name.').waitFor()
  person.shownName = name
}

/** The texts of the items shown on a friend's page. */
export function feedTexts (page: Page): Promise<string[]> {
  return page.getByTestId('feed-item').allTextContents()
}

/** Presses Refresh on a friend's page and waits until it is up to date. */
export async function refreshFeed (page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Refresh' }).click()
  await expect.poll(() => page.getByTestId('feed-state').textContent(), { timeout: 60_000 }).toMatch(/Up to date/)
}
