// Alice's Kith on her laptop and on an always-on headless runner (DESIGN
// §6a), end to end in real Chromium driving the UI, with Bob as a friend:
// Alice links the runner from her laptop; shares from the laptop; her laptop
// tab closes; Bob fetches everything he may see from the runner. With the
// runner away, Alice (laptop) deletes one item and narrows another's
// audience; the runner comes back, syncs, and Bob's copies go, with his
// confirmation shown on the laptop. Alice revokes the runner: it is told,
// says by whom and when, and stops serving; Bob's tab cannot reach it.
// Its Chromium, killed, comes back by itself and stays stopped.
import { afterAll, describe, expect, it } from 'vitest'
import { startRunner, type Runner } from './support/runner'
import { feedTexts, refreshFeed, tab } from './support/app'
import { befriend, newPeople, share } from './support/people'
import { openApp, screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile()
let alice: Person
let bob: Person
let runner: Runner & { port: number }

const KEEP = 'Kept for friends: the garden plan'
const DELETE = 'To be deleted: a party photo caption'
const NARROW = 'To be narrowed: my new phone number'

afterAll(async () => {
  await runner?.stop()
})

/** The runner's entry on Alice's Devices tab. */
const runnerEntry = () => alice.page.getByTestId('device').filter({ hasText: 'hall pi' })

const linkedLine = (from: number, timeoutMs = 30_000) =>
  runner.waitForLine(/ linked as \S+ \(hall pi\) · trackers 1\/1 · /, from, timeoutMs)

describe('a laptop and an always-on runner, one person', () => {
  it('Alice links the runner from her laptop, and Bob becomes her friend', async () => {
    ;[alice, bob] = await newPeople(world, 'Alice', 'Bob')

    runner = await startRunner({ tracker: world.trackers[0]!.url, name: 'hall pi' })
    const code = await runner.waitForLine(/^ {2}kith-link-\S+$/, 0, 30_000)
    await tab(alice.page, 'Devices')
    await alice.page.getByLabel('Link code').fill(code.line.trim())
    await alice.page.getByRole('button', { name: 'Submit' }).click()
    await alice.page.getByTestId('verification-code').waitFor({ timeout: 45_000 })
    await alice.page.getByLabel('Name of this device, the one you are using now').fill('Laptop')
    await alice.page.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => alice.page.getByTestId('link-result').textContent(), { timeout: 15_000 }).toMatch(/Linked hall pi/)
    await linkedLine(code.index)
    expect(runner.status().address).toBe(alice.address)

    await befriend(alice, bob)
  })

  it('Alice shares from the laptop; the runner syncs it; the laptop closes and Bob gets everything from the runner', async () => {
    for (const text of [KEEP, DELETE, NARROW]) await share(alice, text)
    await tab(alice.page, 'Devices')
    await expect.poll(() => runnerEntry().getByTestId('device-sync').textContent(), { timeout: 30_000 }).toBe('in sync')
    await screenshot(alice, 'devsync-1-laptop-devices-in-sync')
    await alice.page.goto('about:blank') // Alice's tab closes; her data stays in the profile

    await bob.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await refreshFeed(bob.page)
    await expect.poll(() => feedTexts(bob.page), { timeout: 30_000 }).toHaveLength(3)
    const seen = (await feedTexts(bob.page)).join('\n')
    for (const text of [KEEP, DELETE, NARROW]) expect(seen).toContain(text)
    await screenshot(bob, 'devsync-2-bob-from-runner')
  })

  it('with the runner away, Alice deletes one item and narrows another on the laptop; the runner comes back and Bob’s copies go, confirmed on the laptop', async () => {
    // Bob leaves Alice's page (his tab, and node, stay open): meeting the
    // laptop now would make him sync from it (a friend syncs whenever a
    // session opens), and this is about what only the runner delivered.
    expect(await feedTexts(bob.page)).toHaveLength(3)
    await bob.page.evaluate(() => { location.hash = '#/me' })
    await bob.page.getByTestId('my-address').waitFor()
    await runner.stop({ keepData: true })
    await openApp(alice, world.appUrl)
    await tab(alice.page, 'My items')
    const gone = alice.page.getByTestId('my-item').filter({ hasText: DELETE })
    await gone.getByRole('button', { name: 'Delete' }).click()
    await gone.getByRole('button', { name: 'Yes, delete' }).click()
    await gone.waitFor({ state: 'detached' })
    const narrowed = alice.page.getByTestId('my-item').filter({ hasText: NARROW })
    await narrowed.getByRole('button', { name: 'Change audience' }).click()
    await narrowed.getByRole('radio', { name: 'Only me' }).check()
    await narrowed.getByRole('button', { name: 'Save audience' }).click()
    await expect.poll(() => narrowed.getByTestId('my-item-audience').textContent()).toMatch(/Only me/)
    // Bob got both from the runner, so the laptop has nobody to tell yet.

    const dataDir = runner.dataDir
    runner = await startRunner({ tracker: world.trackers[0]!.url, name: 'hall pi', dataDir, port: runner.port })
    await linkedLine(0, 30_000)
    await bob.page.evaluate((address) => { location.hash = `#/friend/${address}` }, alice.address)
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 60_000 }).not.toContain(DELETE)
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 30_000 }).not.toContain(NARROW)
    expect((await feedTexts(bob.page)).join('\n')).toContain(KEEP)
    await screenshot(bob, 'devsync-3-bob-copies-gone')
    // Bob confirmed to the runner; the confirmation synced to the laptop.
    await expect.poll(async () => {
      const rows = await alice.page.getByTestId('deletion-friend').filter({ hasText: 'Bob' }).allTextContents()
      return rows.length === 2 && rows.every((t) => /confirmed/.test(t))
    }, { timeout: 60_000 }).toBe(true)
    await screenshot(alice, 'devsync-4-laptop-confirmed')
  })

  it('Alice revokes the runner; Bob can no longer reach it as Alice (its meeting secret was replaced, and the handshake would refuse it)', async () => {
    await tab(alice.page, 'Devices')
    const from = runner.lines.length
    await alice.page.getByRole('button', { name: 'Revoke hall pi' }).click()
    await alice.page.getByRole('button', { name: /^Revoke hall pi/ }).last().click()
    await expect.poll(() => runnerEntry().getByTestId('revoked').count()).toBe(1)
    // Connected to the laptop, the runner is told at once: it says by whom
    // and when, and stops serving.
    await runner.waitForLine(/ This device was revoked by Laptop on \d{4}-\d{2}-\d{2}; it no longer serves your friends or syncs\./, from, 30_000)
    expect(runner.status().address).toBeNull()
    // The laptop tells Bob (he is online): give it the time a notice takes.
    await expect.poll(() => alice.page.evaluate(() => new Promise<number>((resolve, reject) => {
      const req = indexedDB.open('kith-node')
      req.onsuccess = () => {
        const get = req.result.transaction('friends').objectStore('friends').getAll()
        get.onsuccess = () => resolve((get.result as Array<{ toldRevocations?: string[] }>).filter((f) => (f.toldRevocations ?? []).length > 0).length)
        get.onerror = () => reject(get.error)
      }
      req.onerror = () => reject(req.error)
    })), { timeout: 60_000 }).toBe(1)
    await alice.page.goto('about:blank') // only the revoked runner is left online
    await bob.page.reload()
    await expect.poll(() => bob.page.getByTestId('friend-phase').textContent().catch(() => ''), { timeout: 60_000 }).toMatch(/Not reachable/)
    expect(await bob.page.getByTestId('friend-rtt').count()).toBe(0)
    await screenshot(bob, 'devsync-5-bob-refuses-revoked')
  })

  it('the revoked runner’s Chromium, killed, comes back by itself and stays stopped, saying why', async () => {
    const from = runner.lines.length
    process.kill(runner.browserPid(), 'SIGKILL')
    const restarted = await runner.waitForLine(/chromium restarted/, from, 10_000)
    await runner.waitForLine(/ This device was revoked by Laptop on \d{4}-\d{2}-\d{2}/, restarted.index, 15_000)
    expect(runner.lines.slice(restarted.index).some((l) => / linked as /.test(l))).toBe(false)
  })
})
