// Two homes behind symmetric NATs and no STUN or TURN server: there is no
// path between them. The person is told so in plain words, with what to do,
// instead of a spinner that never ends; and the privacy mode cannot be
// turned on without a relay to hide behind.
import { describe, expect, it } from 'vitest'
import { screenshot, type Person } from '../e2e/support/world'
import { createInvite } from '../e2e/support/people'
import { aliceAndBob } from './support/friends'
import { natWorldPerFile } from './support/nat-world'
import { configsUsed } from './support/peer-stats'
import { setHideMyIp } from './support/settings'

const world = natWorldPerFile({ ice: 'none' })
let alice: Person, bob: Person

describe('behind two symmetric NATs, without STUN or TURN', () => {
  it('accepting an invite ends with “your network needs a relay”, not an endless spinner', async () => {
    ;({ alice, bob } = await aliceAndBob(world, { homes: ['h3', 'h4'] }))
    const link = await createInvite(alice, 'network test')
    await bob.page.goto(link)
    await bob.page.getByRole('button', { name: 'Accept invite' }).click()
    await bob.page.getByTestId('invite-progress').waitFor()
    const error = bob.page.getByTestId('invite-error')
    await error.filter({ hasText: /\S/ }).waitFor({ timeout: 90_000 })
    expect((await error.textContent())!.trim()).toBe('Your network needs a relay to reach this friend; add a TURN server in Network settings.')
    expect(await error.getAttribute('role')).toBe('alert')
    // The wait is over: no spinner, and Accept can be pressed again.
    expect(await bob.page.getByTestId('invite-progress').count()).toBe(0)
    expect(await bob.page.getByRole('button', { name: 'Accept invite' }).isEnabled()).toBe(true)
    // It did get as far as the browsers trying each other: an offer and an answer.
    expect((await configsUsed(bob.page)).length).toBeGreaterThan(0)
    await screenshot(bob, 'network-needs-relay-bob')
    await bob.page.setViewportSize({ width: 390, height: 800 })
    await screenshot(bob, 'network-needs-relay-bob-390')
    await bob.page.setViewportSize({ width: 1280, height: 800 })
    await screenshot(bob, 'network-needs-relay-bob-1280')
  })

  it('“Hide my IP address from friends” is refused without a TURN server, and says why', async () => {
    await bob.page.goto(`${world.appUrl}#/me`) // no friend yet: #/ would open the guided start
    const said = await setHideMyIp(bob, true)
    expect(said).toBe('Hiding your IP address needs a TURN server to relay everything: add one under ICE servers (a turn: URL with its username and credential), or leave this off.')
    await bob.page.reload()
    await bob.page.getByTestId('my-address').waitFor()
    await bob.page.getByText('Network settings').click()
    expect(await bob.page.getByLabel('Hide my IP address from friends').isChecked()).toBe(false)
  })
})
