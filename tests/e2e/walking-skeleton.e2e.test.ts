// The walking skeleton, driven through the real UI in real Chromium: two
// people (browser contexts) find each other through local trackers and talk
// over an authenticated WebRTC session.
import { describe, expect, it } from 'vitest'
import { openApp, screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 2 })

async function setName (person: Person, name: string): Promise<void> {
  const field = person.page.getByLabel('Name shown to friends')
  await field.click()
  await field.fill('')
  await field.pressSequentially(name)
  await person.page.getByRole('button', { name: 'Save name' }).click()
  await expect.poll(() => person.page.getByText('Saved. Friends see this name.').count()).toBe(1)
}

async function openFriendByTyping (person: Person, address: string): Promise<void> {
  await person.page.goto(`${world.appUrl}#/me`)
  const field = person.page.getByLabel('Address or link')
  await field.click()
  await field.pressSequentially(address)
  await field.press('Enter')
}

async function expectConnectedTo (person: Person, name: string): Promise<void> {
  const page = person.page
  await page.getByTestId('friend-name').filter({ hasText: name }).waitFor({ timeout: 30_000 })
  await page.getByTestId('friend-rtt').waitFor({ timeout: 30_000 })
  // Measured live, and said in words rather than milliseconds.
  expect(await page.getByTestId('friend-rtt').getAttribute('data-rtt-ms')).toMatch(/^\d+\.\d$/)
  expect(await page.getByTestId('friend-rtt').textContent()).toMatch(/^(Answers at once|Answers within a second|Slow to answer: about \d+ s each time)$/)
}

describe('walking skeleton', () => {
  let alice: Person
  let bob: Person
  let aliceAddress = ''

  it('A opens the app, gets an address and sets a name', async () => {
    alice = await world.person('alice')
    aliceAddress = await openApp(alice, world.appUrl)
    expect(aliceAddress).toMatch(/^[1-9A-HJ-NP-Za-km-z]{40,60}$/)
    await setName(alice, 'Alice')
    // B is not a friend yet: A lets people with her address reach her.
    await alice.page.getByLabel('Anyone who has my address can reach me').check()
    // Both trackers are connected.
    await expect.poll(() => alice.page.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('2 of 2')
    await screenshot(alice, '01-alice-home')
  })

  it('B opens A’s address, sees A’s name and a live round-trip time', async () => {
    bob = await world.person('bob')
    await openFriendByTyping(bob, aliceAddress)
    await expect.poll(() => bob.page.url()).toContain(`#/friend/${aliceAddress}`)
    await expectConnectedTo(bob, 'Alice')
    await expect.poll(() => alice.page.getByTestId('peers-connected').textContent()).toBe('1')
    await screenshot(bob, '02-bob-sees-alice')
  })

  it('A keeps the same identity across a reload, and B reconnects by itself', async () => {
    const firstRtt = await bob.page.getByTestId('friend-rtt').getAttribute('data-rtt-ms')
    await alice.page.reload()
    await alice.page.getByTestId('my-address').waitFor()
    expect((await alice.page.getByTestId('my-address').textContent())!.trim()).toBe(aliceAddress)
    expect(await alice.page.getByLabel('Name shown to friends').inputValue()).toBe('Alice')
    expect(await alice.page.getByLabel('Anyone who has my address can reach me').isChecked()).toBe(true)
    // A's reloaded tab is a new node with no sessions; B dials it again
    // without anyone touching B, so it counts one peer again.
    await expect.poll(() => alice.page.getByTestId('peers-connected').textContent(), { timeout: 30_000 }).toBe('1')
    await expectConnectedTo(bob, 'Alice')
    expect(firstRtt).not.toBeNull()
    await screenshot(bob, '03-bob-reconnected')
  })

  it('with one of two trackers dead, B still finds A', async () => {
    await world.trackers[0]!.close()
    await expect.poll(() => alice.page.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('1 of 2')
    await screenshot(alice, '04-alice-one-tracker-down')
    const carol = await world.person('carol')
    await carol.page.goto(`${world.appUrl}#/friend/${aliceAddress}`)
    await expectConnectedTo(carol, 'Alice')
    await screenshot(carol, '05-carol-via-second-tracker')
  })

  it('a mistyped address is a clear error, never a different person', async () => {
    const typo = aliceAddress.slice(0, 10) + (aliceAddress[10] === 'a' ? 'b' : 'a') + aliceAddress.slice(11)
    await openFriendByTyping(bob, typo)
    await expect.poll(() => bob.page.getByTestId('open-error').textContent()).toMatch(/typo/)
    expect(bob.page.url()).not.toContain('#/friend/')
    await screenshot(bob, '06-typo')
    await bob.page.goto(`${world.appUrl}#/friend/${typo}`)
    await expect.poll(() => bob.page.getByTestId('friend-error').textContent()).toMatch(/typo/)
  })
})

describe('impostors', () => {
  it('a node in A’s swarm without A’s keys never reaches B, and B says A is not reachable', async () => {
    const alice = await world.person('alice2')
    const aliceAddress = await openApp(alice, world.appUrl)
    await alice.context.close() // A goes offline
    const mallory = await world.person('mallory')
    await mallory.page.goto(world.harnessUrl)
    await mallory.page.evaluate(({ address, trackers }) => window.kithHarness.startImpostor({ victimAddress: address, trackers }),
      { address: aliceAddress, trackers: world.trackers.slice(1).map((t) => t.url) })
    const bob = await world.person('bob2')
    await bob.page.goto(`${world.appUrl}#/friend/${aliceAddress}`)
    await expect.poll(() => bob.page.getByTestId('friend-phase').textContent(), { timeout: 30_000 }).toMatch(/Not reachable after \d+ seconds — still trying/)
    const counters = await mallory.page.evaluate(() => window.kithHarness.impostorCounters())
    expect(counters!.offersSeen).toBeGreaterThan(0) // B's offers reached it…
    expect(counters!.offersOpened).toBe(0) // …but it could not read them
    expect(await bob.page.getByTestId('friend-rtt').count()).toBe(0)
    await screenshot(bob, '07-not-reachable')
    await mallory.context.close()
    await bob.context.close()
  })

  it('an impostor holding A’s sealing key but not A’s signing key cannot certify a device for A: the handshake fails, in plain words', async () => {
    const alice = await world.person('alice3')
    const aliceAddress = await openApp(alice, world.appUrl)
    // Worst case: the impostor has the secret that opens offers to A.
    const secretKey = await alice.page.evaluate(() => new Promise<number[]>((resolve, reject) => {
      const req = indexedDB.open('kith-node')
      req.onsuccess = () => {
        const get = req.result.transaction('identity').objectStore('identity').get('self')
        get.onsuccess = () => resolve(Array.from(get.result.secretKey as Uint8Array))
        get.onerror = () => reject(get.error)
      }
      req.onerror = () => reject(req.error)
    }))
    await alice.context.close()
    const mallory = await world.person('mallory3')
    await mallory.page.goto(world.harnessUrl)
    await mallory.page.evaluate(({ address, trackers, secretKey }) => window.kithHarness.startImpostor({ victimAddress: address, trackers, victimSecretKey: secretKey }),
      { address: aliceAddress, trackers: world.trackers.slice(1).map((t) => t.url), secretKey })
    const bob = await world.person('bob3')
    await bob.page.goto(`${world.appUrl}#/friend/${aliceAddress}`)
    await expect.poll(() => bob.page.getByTestId('friend-error').textContent(), { timeout: 30_000 })
      .toMatch(/Handshake failed: .*cannot act for the person: its certificate is for someone else/)
    expect(await bob.page.getByTestId('friend-rtt').count()).toBe(0)
    const counters = await mallory.page.evaluate(() => window.kithHarness.impostorCounters())
    expect(counters!.offersOpened).toBeGreaterThan(0)
    // Bob refused it in the hello, before proving anything: its handshake failed too.
    await expect.poll(async () => (await mallory.page.evaluate(() => window.kithHarness.impostorCounters()))!.refusedHandshakes, { timeout: 10_000 }).toBeGreaterThan(0)
    expect((await mallory.page.evaluate(() => window.kithHarness.impostorCounters()))!.answeredRequests).toBe(0)
    await screenshot(bob, '08-handshake-failed')
  })
})

describe('transport contract over real WebRTC', () => {
  it('every contract case passes on WebRTC data channels', async () => {
    const runner = await world.person('contract')
    await runner.page.goto(world.harnessUrl)
    const cases = await runner.page.evaluate(() => window.kithHarness.contractCases())
    expect(cases.length).toBeGreaterThan(3)
    for (const name of cases) {
      await runner.page.evaluate((n) => window.kithHarness.runContractCase(n), name)
    }
  })
})
