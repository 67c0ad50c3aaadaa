// When no tracker works at all: two friends connect by swapping a
// connection code and an answer code through the UI (as they would through
// a chat), and one fetches what the other shares. Both codes are single use.
import { describe, expect, it } from 'vitest'
import { feedTexts, refreshFeed } from './support/app'
import { befriend, newPeople, share } from './support/people'
import { desktopAndPhone, screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
let alice: Person, bob: Person
let code = '', answer = ''
const NOTE = 'The key is under the blue flowerpot'

async function openManual (person: Person): Promise<void> {
  await person.page.getByText('Connect without a tracker').click()
}

describe('connecting without a tracker', () => {
  it('Alice and Bob become friends while the tracker works; Alice shares a note', async () => {
    ;[alice, bob] = await newPeople(world, 'Alice', 'Bob')
    await befriend(alice, bob)
    await share(alice, NOTE)
  })

  it('with the tracker gone, they swap codes by hand and Bob fetches the note', async () => {
    await world.trackers[0]!.close()
    // Fresh pages: no session survives from before.
    await alice.page.goto(`${world.appUrl}#/friend/${bob.address}`)
    await alice.page.reload()
    await bob.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await bob.page.reload()
    await bob.page.getByTestId('friend-phase').waitFor()
    expect(await bob.page.getByTestId('friend-phase').textContent()).not.toMatch(/Connected/)

    await openManual(bob)
    await bob.page.getByRole('button', { name: 'Make a connection code' }).click()
    code = (await bob.page.getByTestId('my-code').inputValue()).trim()
    expect(code).toMatch(/^KITH-CONNECT-4:/)
    console.log(`[manual-connect] connection code: ${code.length} characters`)
    await desktopAndPhone(bob, ['70-manual-connect-code-1280', '71-manual-connect-code-390'])

    await openManual(alice)
    // Bob's own code pasted on his own page is refused in plain words.
    await bob.page.getByLabel('Paste their connection code').fill(code)
    await bob.page.getByRole('button', { name: 'Make my answer code' }).click()
    await expect.poll(() => bob.page.getByTestId('manual-connect-error').textContent()).toMatch(/your own connection code/)

    await alice.page.getByLabel('Paste their connection code').fill(code)
    await alice.page.getByRole('button', { name: 'Make my answer code' }).click()
    answer = (await alice.page.getByTestId('my-answer').inputValue()).trim()
    expect(answer).toMatch(/^KITH-ANSWER-3:/)
    console.log(`[manual-connect] answer code: ${answer.length} characters`)
    await desktopAndPhone(alice, ['72-manual-connect-answer-1280', '73-manual-connect-answer-390'])

    // Codes cross chat apps with line breaks and spaces in them.
    await bob.page.getByLabel('Paste their answer code').fill(answer.replace(/(.{60})/g, '$1\n '))
    await bob.page.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect.poll(() => bob.page.getByTestId('manual-connect-status').textContent(), { timeout: 30_000 }).toMatch(/Connected to Alice without a tracker/)
    await expect.poll(() => alice.page.getByTestId('manual-connect-status').textContent(), { timeout: 30_000 }).toMatch(/Connected to Bob without a tracker/)
    // The page's own search stops: the friend is reached.
    await expect.poll(() => bob.page.getByTestId('friend-phase').textContent(), { timeout: 30_000 }).toMatch(/Connected securely/)

    await refreshFeed(bob.page)
    await expect.poll(() => feedTexts(bob.page)).toEqual([expect.stringContaining(NOTE)])
    await screenshot(bob, '74-manual-connect-connected')
  })

  it('each code works once: the same connection code again is refused, and so is the same answer', async () => {
    await alice.page.getByLabel('Paste their connection code').fill(code)
    await alice.page.getByRole('button', { name: 'Make my answer code' }).click()
    await expect.poll(() => alice.page.getByTestId('manual-connect-error').textContent()).toMatch(/already used/)
    // Bob's code is spent too: a new one is needed before any answer fits.
    await bob.page.reload()
    await openManual(bob)
    await bob.page.getByRole('button', { name: 'Make a connection code' }).click()
    await bob.page.getByTestId('my-code').waitFor()
    await bob.page.getByLabel('Paste their answer code').fill(answer)
    await bob.page.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect.poll(() => bob.page.getByTestId('manual-connect-error').textContent()).toMatch(/does not belong to your latest connection code/)
  })

  it('an answer code that takes a while to come back still connects', async () => {
    // Bob's page was reloaded above: no session is left on his side.
    await bob.page.getByTestId('my-code').waitFor()
    const fresh = (await bob.page.getByTestId('my-code').inputValue()).trim()
    await alice.page.reload()
    await openManual(alice)
    await alice.page.getByLabel('Paste their connection code').fill(fresh)
    await alice.page.getByRole('button', { name: 'Make my answer code' }).click()
    const slowAnswer = (await alice.page.getByTestId('my-answer').inputValue()).trim()
    // Longer than ICE gives unanswered checks (about 30 s): Alice's side has
    // been trying alone all this time, as when the code crosses a slow chat.
    await new Promise((resolve) => setTimeout(resolve, 45_000))
    await bob.page.getByLabel('Paste their answer code').fill(slowAnswer)
    await bob.page.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect.poll(() => bob.page.getByTestId('manual-connect-status').textContent(), { timeout: 30_000 }).toMatch(/Connected to Alice without a tracker/)
    await refreshFeed(bob.page)
    await expect.poll(() => feedTexts(bob.page)).toEqual([expect.stringContaining(NOTE)])
  }, 120_000)
})
