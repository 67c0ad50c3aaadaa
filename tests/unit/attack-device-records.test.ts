// A server device of the person (a Pi) syncs its database to the full
// devices, and a stolen one writes whatever it likes into its own database
// first. None of it may change who may act as the person, who was told of a
// revocation, or whether the person is discoverable (DESIGN §6a): each rule
// here is one such record, written by a server device as an attacker would,
// and pulled by a full device over a real device session.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import type { KithNode } from '../../node-tab/node'
import { befriend, connectNodes, NodeSet, until } from './device-fixtures'

const sets = new NodeSet()
afterEach(() => sets.closeAll())

/** `to` pulls everything `from` has (a device session, as when they meet),
 *  and the session closes again. */
async function pullFrom (to: KithNode, from: KithNode): Promise<void> {
  const session = await connectNodes(from, to)
  await until(() => to.deviceSync.summary() === 'up to date')
  session.rpc.close('pulled')
  await until(() => to.deviceSessions.size === 0 && from.deviceSessions.size === 0)
}

/** A laptop (full device), its Pi (server device) and a friend, Bob, whose
 *  friendship (row, grant and meeting secret) the Pi already holds. */
async function laptopPiAndBob (): Promise<{ laptop: KithNode, pi: KithNode, bob: KithNode, piHex: string }> {
  const laptop = await sets.open()
  const pi = await sets.serverDeviceOf(laptop)
  const bob = await sets.open()
  await befriend(laptop, bob)
  await laptop.listenTopics(1) // the meeting secret, stored for the Pi
  await pullFrom(pi, laptop)
  expect(await pi.friends.get(bob.keyHex)).toBeDefined()
  return { laptop, pi, bob, piHex: toHex(pi.credentials.device.publicKey) }
}

describe('who was told of a revocation', () => {
  it('a Pi that marks its own revocation as told to every friend, before it is revoked, does not keep friends from hearing of it', async () => {
    const { laptop, pi, bob, piHex } = await laptopPiAndBob()
    // The stolen Pi writes, into its own database, that Bob already knows.
    const row = (await pi.db.friends.get(bob.keyHex))!
    await pi.db.friends.put({ ...row, toldRevocations: [piHex] })
    await pullFrom(laptop, pi)

    await laptop.revokeDevice(piHex)
    await connectNodes(laptop, bob)
    laptop.noticeSender.start()
    // The laptop tells Bob (the revocation and the new meeting secret go
    // together, so once the secret moved Bob was told whatever he was).
    await until(async () => (await laptop.friends.get(bob.keyHex))?.nextPairSecret === undefined)
    expect(bob.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey)).toBe(true)
  })
})

describe('who may act as the person', () => {
  it('a Pi that deletes its own device row cannot drop out of the full device’s list, and is still revoked', async () => {
    const { laptop, pi, piHex } = await laptopPiAndBob()
    await pi.db.devices.delete(piHex)
    await pullFrom(laptop, pi)
    expect((await laptop.devices.list()).map((d) => d.key)).toContain(piHex)
    await laptop.revokeDevice(piHex)
    expect(laptop.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey)).toBe(true)
  })
})
