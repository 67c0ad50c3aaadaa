// Network settings through the app's UI.
import type { Person } from '../../e2e/support/world'
import { tab } from '../../e2e/support/app'

/** Ticks or clears "Hide my IP address from friends", saves, and returns
 *  what the form said. */
export async function setHideMyIp (person: Person, on: boolean): Promise<string> {
  const page = person.page
  await tab(page, 'Me & server')
  const box = page.getByLabel('Hide my IP address from friends')
  if (!await box.isVisible()) await page.getByText('Network settings').click()
  if (on) await box.check()
  else await box.uncheck()
  await page.getByRole('button', { name: 'Save settings' }).click()
  const status = page.getByTestId('network-settings-status')
  await status.filter({ hasText: /\S/ }).waitFor()
  return (await status.textContent())!.trim()
}
