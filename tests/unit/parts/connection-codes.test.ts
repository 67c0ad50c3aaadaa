// ConnectionCodes (node-tab/rendezvous/connection-codes.ts): the node's side
// of connection codes, for friends only; codes waiting for an answer can be
// withdrawn, and nothing more is made once the node closed. A stand-in
// ManualConnections class, handed over by `load`, records what it is asked.
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../shared/util/bytes'
import type { ManualConnectOptions, ManualConnections } from '../../../node-tab/discovery/manual-connect'
import { ReplayGuard } from '../../../node-tab/discovery/replay-guard'
import { ConnectionCodes } from '../../../node-tab/rendezvous/connection-codes'
import { FriendsStore } from '../../../node-tab/storage/friends-store'
import { befriend, kithError, person } from '../store-fixtures'
import { fullDevice, serverDeviceOf, type Device } from './identities'

class FakeManual {
  static made: FakeManual[] = []
  readonly asked: string[] = []
  closes = 0
  constructor (readonly opts: ManualConnectOptions) { FakeManual.made.push(this) }
  async makeCode (friendKey: Uint8Array): Promise<string> { this.asked.push(`make ${toHex(friendKey)}`); return 'KITH-CONNECT-2:code' }
  async answerCode (friendKey: Uint8Array, code: string, name: string) {
    this.asked.push(`answer ${toHex(friendKey)} ${code} ${name}`)
    return { answerCode: 'KITH-ANSWER-1:answer', connected: Promise.resolve() }
  }

  async complete (friendKey: Uint8Array, answerCode: string, name: string): Promise<void> { this.asked.push(`complete ${toHex(friendKey)} ${answerCode} ${name}`) }
  close (): void { this.closes++ }
}

function codesOf (device: Device) {
  FakeManual.made = []
  const friends = new FriendsStore(device.db)
  const calls = { loads: 0 }
  const replays = new ReplayGuard()
  const codes = new ConnectionCodes({
    identity: device.me,
    friends,
    load: async () => { calls.loads++; return { ManualConnections: FakeManual as unknown as typeof ManualConnections } },
    rtcConfig: () => ({ iceServers: [] }),
    replays,
    meetingSecrets: async () => [],
    everyMeetingSecret: async () => [],
    startSession: async () => {}
  })
  return { codes, friends, calls, replays }
}

describe('ConnectionCodes', () => {
  it('are for friends only: anyone else is refused before any code loads', async () => {
    const { codes, calls } = codesOf(await fullDevice())
    const stranger = person('Mallory')
    await kithError(codes.make(stranger.key), 'UNAUTHORIZED', 'Connection codes are only for friends.')
    await kithError(codes.answer(stranger.key, 'KITH-CONNECT-2:x'), 'UNAUTHORIZED')
    await kithError(codes.complete(stranger.key, 'KITH-ANSWER-1:x'), 'UNAUTHORIZED')
    expect(calls.loads).toBe(0)
    expect(FakeManual.made).toHaveLength(0)
  })

  it('for a friend: one set of manual connections, made on first use with my keys, asked in the friend’s name', async () => {
    const full = await fullDevice()
    const { codes, friends, replays } = codesOf(full)
    const bob = person('Bob'); const carol = person('')
    await befriend(friends, bob, carol)
    expect(await codes.make(bob.key)).toBe('KITH-CONNECT-2:code')
    expect((await codes.answer(bob.key, 'KITH-CONNECT-2:theirs')).answerCode).toBe('KITH-ANSWER-1:answer')
    await codes.complete(carol.key, 'KITH-ANSWER-1:theirs')
    expect(FakeManual.made).toHaveLength(1)
    const [manual] = FakeManual.made
    expect(manual!.asked).toEqual([
      `make ${bob.key}`,
      `answer ${bob.key} KITH-CONNECT-2:theirs Bob`,
      // A friend with no name is named in words.
      `complete ${carol.key} KITH-ANSWER-1:theirs your friend`
    ])
    expect(manual!.opts.myKey).toEqual(full.me.identityKey)
    expect(manual!.opts.hasIdentityKey).toBe(true)
    expect(manual!.opts.replays).toBe(replays)
  })

  it('on a server device, without the identity key, it does not use codes', async () => {
    const server = await serverDeviceOf(await fullDevice())
    const { codes, friends } = codesOf(server)
    const bob = person('Bob')
    await befriend(friends, bob)
    await codes.make(bob.key)
    expect(FakeManual.made[0]!.opts.hasIdentityKey).toBe(false)
  })

  it('withdraw() withdraws the codes waiting for an answer; the codes still work after', async () => {
    const { codes, friends } = codesOf(await fullDevice())
    const bob = person('Bob')
    await befriend(friends, bob)
    codes.withdraw() // nothing made yet: nothing to withdraw
    await codes.make(bob.key)
    codes.withdraw()
    expect(FakeManual.made[0]!.closes).toBe(1)
    await codes.make(bob.key)
    expect(FakeManual.made).toHaveLength(1)
  })

  it('after close(), codes are withdrawn and nothing more is made', async () => {
    const { codes, friends } = codesOf(await fullDevice())
    const bob = person('Bob')
    await befriend(friends, bob)
    await codes.make(bob.key)
    codes.close()
    expect(FakeManual.made[0]!.closes).toBe(1)
    await kithError(codes.make(bob.key), 'CLOSED')
    expect(FakeManual.made[0]!.asked).toEqual([`make ${bob.key}`])
  })
})
