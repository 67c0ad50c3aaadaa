// Linking a device (DESIGN §6a) over the in-memory transport: the code, the
// verification code on both screens, the certificate for the chosen role,
// and every way it must fail: a reused or expired code, a server asked to
// hold the identity key, a device that is not a full device, a forged package.
import { afterEach, describe, expect, it } from 'vitest'
import 'fake-indexeddb/auto'
import { bytesEqual } from '../../shared/util/bytes'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { issueDeviceCertificate } from '../../shared/identity/device-certificate'
import type { DeviceCredentials } from '../../shared/identity/device-credentials'
import { createIdentity, type Identity } from '../../shared/identity/identity'
import { createLinkCode, formatLinkCode, LINK_CODE_LIFETIME_MS, SpentLinkCodes, type LinkCode } from '../../shared/linking/link-code'
import type { LinkingState } from '../../shared/linking/linking-state'
import type { NewDeviceMethods } from '../../shared/linking/link-protocol'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { linkMeeting } from '../../shared/rendezvous/meetings'
import { parseLinkCode } from '../../shared/linking/link-code'
import { establishSession } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { openLinkCode, type ApproverContext } from '../../node-tab/linking/approve-link'
import { NewDeviceLink, type LinkedIdentity } from '../../node-tab/linking/new-device'
import { NodeDatabase } from '../../node-tab/storage/db'
import { loadOrCreateIdentity, storeLinkedIdentity } from '../../node-tab/storage/identity-store'

const cleanups: Array<() => void> = []
afterEach(() => { for (const c of cleanups.splice(0)) c() })

/** A new device whose link swarm is a direct line: connect() hands it one end. */
/** `person`: what the person at the new device does when asked to confirm
 *  (by default they confirm, as in a link they started themselves). */
function newDevice (opts: { serverOnly?: boolean, name?: string, autoConfirm?: boolean, owner?: string, person?: 'confirms' | 'waits' } = {}) {
  let onTransport: ((t: Transport) => Promise<void>) | null = null
  let topic: string | null = null
  const linked: LinkedIdentity[] = []
  const link = new NewDeviceLink({
    name: opts.name ?? 'Kitchen Pi',
    serverOnly: opts.serverOnly ?? false,
    ...(opts.autoConfirm ? { autoConfirm: true } : {}),
    ...(opts.owner ? { owner: opts.owner } : {}),
    trackers: [],
    rtcConfig: {},
    onLinked: async (l) => { linked.push(l) },
    listen: (l) => {
      onTransport = l.onTransport
      topic = l.meeting.topic
      return { stop: () => { onTransport = null; topic = null } }
    }
  })
  cleanups.push(() => link.cancel())
  const connect = async (code: LinkCode): Promise<Transport> => {
    // Only the swarm of the code shown now is listened in.
    if (!onTransport || linkMeeting(code.secret, code.deviceKey).topic !== topic) throw new Error('nobody listens for this code')
    const [a, b] = createMemoryTransportPair()
    cleanups.push(() => { a.close(); b.close() })
    void onTransport(b)
    return a
  }
  const states: LinkingState[] = []
  link.addEventListener('change', () => {
    states.push(link.state)
    if ((opts.person ?? 'confirms') === 'confirms' && link.state.step === 'accepting' && !link.state.confirmed) link.confirm()
  })
  return { link, linked, connect, states }
}

function fullDevice (identity: Identity = createIdentity()): DeviceCredentials {
  const device = generateSigningKeyPair()
  return { identityKey: identity.publicKey, device, certificate: issueDeviceCertificate(identity, { publicKey: device.publicKey, name: 'Laptop', role: 'full' }, Date.now()) }
}

function approver (identity: Identity, connect: ApproverContext['connect'], spent = new SpentLinkCodes()) {
  const approved: unknown[] = []
  const ctx: ApproverContext = {
    signing: identity,
    credentials: fullDevice(identity),
    spent,
    devicesSecret: async () => new Uint8Array(32).fill(7),
    displayName: () => 'Alice',
    onApproved: async (cert) => { approved.push(cert) },
    trackers: [],
    rtcConfig: {},
    connect
  }
  return { ctx, approved }
}

const codeText = (link: NewDeviceLink): string => {
  const state = link.state
  if (state.step !== 'waiting' && state.step !== 'confirming') throw new Error(`no code shown: ${state.step}`)
  return state.codeText
}

async function until (condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(condition()).toBe(true)
}

describe('linking a device', () => {
  it('links a server: both screens show the same verification code, and the server never holds the identity key', async () => {
    const alice = createIdentity()
    const pi = newDevice({ serverOnly: true })
    const { ctx, approved } = approver(alice, pi.connect)
    const step = await openLinkCode(ctx, codeText(pi.link))
    expect(step.proposedName).toBe('Kitchen Pi')
    expect(step.serverOnly).toBe(true)
    await until(() => pi.link.state.step === 'confirming')
    const shown = pi.link.state as Extract<LinkingState, { step: 'confirming' }>
    expect(shown.verificationCode).toBe(step.verificationCode)
    expect(step.verificationCode).toMatch(/^\d{3} \d{3}$/)
    const cert = await step.approve({ name: 'Pi in the hall', role: 'server' })
    expect(approved).toEqual([cert])
    await until(() => pi.link.state.step === 'linked')
    const [linked] = pi.linked
    expect(linked!.identityKey).toEqual(alice.publicKey)
    expect(linked!.identitySecretKey).toBeNull()
    expect(linked!.certificate).toMatchObject({ name: 'Pi in the hall', role: 'server' })
    expect(linked!.devicesSecret).toEqual(new Uint8Array(32).fill(7))
    // It knows the device that linked it, to sync with.
    expect(linked!.approver!.deviceKey).toEqual(ctx.credentials.device.publicKey)
  })

  it('links a full device, which receives the identity key', async () => {
    const alice = createIdentity()
    const phone = newDevice({ name: 'Phone' })
    const { ctx } = approver(alice, phone.connect)
    const step = await openLinkCode(ctx, `Open this: https://kith.example/#/devices?code=${codeText(phone.link)}`)
    await step.approve({ name: 'Phone', role: 'full' })
    await until(() => phone.linked.length === 1)
    expect(phone.linked[0]!.identitySecretKey).toEqual(alice.secretKey)
  })

  it('a linked device opens as the person, with its certificate, after a reload', async () => {
    const alice = createIdentity()
    const pi = newDevice({ serverOnly: true })
    const step = await openLinkCode(approver(alice, pi.connect).ctx, codeText(pi.link))
    await step.approve({ name: 'Pi', role: 'server' })
    await until(() => pi.linked.length === 1)
    const db = new NodeDatabase(`linked-${Math.random()}`)
    await loadOrCreateIdentity(db) // the identity a first open made…
    await storeLinkedIdentity(db, pi.linked[0]!) // …is replaced by the link
    const stored = await loadOrCreateIdentity(db)
    expect(stored.identityKey).toEqual(alice.publicKey)
    expect(stored.signing).toBeNull()
    expect(stored.credentials.device.publicKey).toEqual(pi.link.deviceKey)
    expect(stored.credentials.certificate?.role).toBe('server')
    db.close()
  })

  it('a code works once: the same code opened again is refused in words', async () => {
    const pi = newDevice()
    const { ctx } = approver(createIdentity(), pi.connect)
    const text = codeText(pi.link)
    await openLinkCode(ctx, text)
    await expect(openLinkCode(ctx, text)).rejects.toThrow(/already used/)
  })

  it('an expired code is refused in words, before anything is dialled', async () => {
    const { code } = createLinkCode(generateSigningKeyPair().publicKey, Date.now() - LINK_CODE_LIFETIME_MS - 1000)
    let dialled = false
    const { ctx } = approver(createIdentity(), async () => { dialled = true; throw new Error('unreachable') })
    await expect(openLinkCode(ctx, formatLinkCode(code))).rejects.toThrow(/expired/)
    expect(dialled).toBe(false)
  })

  it('a server-only device cannot be made a full device: the approver refuses, and so would the device', async () => {
    const alice = createIdentity()
    const pi = newDevice({ serverOnly: true })
    const step = await openLinkCode(approver(alice, pi.connect).ctx, codeText(pi.link))
    await expect(step.approve({ name: 'Pi', role: 'full' })).rejects.toThrow(/link it as a server/)
    expect(pi.linked).toEqual([])
  })

  it('the new device refuses a forged package from the device confirming, and stores nothing', async () => {
    const alice = createIdentity()
    const pi = newDevice()
    const laptop = fullDevice(alice)
    // A hostile "full device" that holds the code: an honest handshake, then
    // completeLink by hand with packages an honest approver never sends.
    const transport = await pi.connect(parseLinkCode(codeText(pi.link), Date.now()))
    const session = await establishSession<NewDeviceMethods, Record<string, never>>(transport, {
      credentials: laptop, expectedRemoteKey: pi.link.deviceKey, acceptUncertified: (k) => bytesEqual(k, pi.link.deviceKey), handlers: () => ({})
    })
    const certFor = (publicKey: Uint8Array, role: 'full' | 'server') => issueDeviceCertificate(alice, { publicKey, name: 'Pi', role }, Date.now())
    const base = { devicesSecret: new Uint8Array(32), displayName: 'Alice' }
    const forged = [
      [{ ...base, certificate: certFor(generateSigningKeyPair().publicKey, 'server') }, /another device/],
      [{ ...base, certificate: certFor(pi.link.deviceKey, 'server'), identitySecretKey: alice.secretKey }, /never receive the identity key/],
      [{ ...base, certificate: certFor(pi.link.deviceKey, 'full'), identitySecretKey: createIdentity().secretKey }, /does not match/],
      [{ ...base, certificate: certFor(pi.link.deviceKey, 'full') }, /needs the identity/],
      [{ ...base, certificate: issueDeviceCertificate(createIdentity(), { publicKey: pi.link.deviceKey, name: 'Pi', role: 'server' }, Date.now()) }, /someone else/],
      [{ certificate: certFor(pi.link.deviceKey, 'server'), devicesSecret: new Uint8Array(3), displayName: 'Alice' }, /incomplete/]
    ] as const
    await session.rpc.call('confirmLink', { displayName: 'Alice', deviceName: 'Pi', role: 'server' }, { timeoutMs: 1000 })
    for (const [pkg, why] of forged) {
      await expect(session.rpc.call('completeLink', pkg as never, { timeoutMs: 1000 })).rejects.toThrow(why)
    }
    expect(pi.linked).toEqual([])
    expect(pi.link.state.step).toBe('accepting')
  })

  it('only a full device may open the link: a server device of the person is turned away', async () => {
    const alice = createIdentity()
    const pi = newDevice()
    const serverDevice = generateSigningKeyPair()
    const credentials: DeviceCredentials = { identityKey: alice.publicKey, device: serverDevice, certificate: issueDeviceCertificate(alice, { publicKey: serverDevice.publicKey, name: 'Other Pi', role: 'server' }, Date.now()) }
    const transport = await pi.connect(parseLinkCode(codeText(pi.link), Date.now()))
    const session = await establishSession(transport, {
      credentials, expectedRemoteKey: pi.link.deviceKey, acceptUncertified: (k) => bytesEqual(k, pi.link.deviceKey), handlers: () => ({})
    })
    await expect(session.rpc.call('linkHello', {}, { timeoutMs: 1000 })).rejects.toThrow()
    expect(pi.link.state.step).toBe('waiting')
  })

  it('a new code replaces the old one: the old code reaches nobody, the new one links', async () => {
    const alice = createIdentity()
    const pi = newDevice()
    const old = codeText(pi.link)
    pi.link.restart()
    expect(codeText(pi.link)).not.toBe(old)
    const { ctx } = approver(alice, pi.connect)
    await expect(openLinkCode(ctx, old)).rejects.toThrow(/nobody listens/)
    const step = await openLinkCode(ctx, codeText(pi.link))
    await step.approve({ name: 'Pi', role: 'server' })
    await until(() => pi.linked.length === 1)
  })

  it('a cancelled link stops listening and says so', async () => {
    const pi = newDevice()
    const text = codeText(pi.link)
    pi.link.cancel()
    expect(pi.link.state).toEqual({ step: 'failed', message: 'Linking was cancelled.' })
    await expect(openLinkCode(approver(createIdentity(), pi.connect).ctx, text)).rejects.toThrow(/nobody listens/)
  })
})

describe('linking binds both ends', () => {
  // Attack: whoever sees a link code (over a shoulder, in a screenshot)
  // opens it on a full device of their own identity and approves: the new
  // device became theirs, with nobody on it confirming.
  it('the new device shows whose device it becomes, and nothing is signed or sent until the person confirms there', async () => {
    const alice = createIdentity()
    const phone = newDevice({ name: 'Phone', person: 'waits' })
    const { ctx, approved } = approver(alice, phone.connect)
    const step = await openLinkCode(ctx, codeText(phone.link))
    let done = false
    const approving = step.approve({ name: 'My phone', role: 'full' }).finally(() => { done = true })
    await until(() => phone.link.state.step === 'accepting')
    const shown = phone.link.state as Extract<LinkingState, { step: 'accepting' }>
    expect(shown).toMatchObject({ ownerName: 'Alice', deviceName: 'My phone', role: 'full', verificationCode: step.verificationCode })
    expect(shown.ownerAddress).toBe((await import('../../shared/identity/identity')).addressFromPublicKey(alice.publicKey))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(done).toBe(false)
    expect(approved).toEqual([]) // no certificate made yet
    expect(phone.linked).toEqual([])
    phone.link.confirm()
    await approving
    await until(() => phone.link.state.step === 'linked')
    expect(phone.linked[0]!.identitySecretKey).toEqual(alice.secretKey)
  })

  it('declined on the new device: nothing is signed or sent, and the approving device says so', async () => {
    const mallory = createIdentity()
    const phone = newDevice({ person: 'waits' })
    const { ctx, approved } = approver(mallory, phone.connect)
    const step = await openLinkCode(ctx, codeText(phone.link))
    const approving = step.approve({ name: 'Phone', role: 'full' })
    await until(() => phone.link.state.step === 'accepting')
    phone.link.cancel()
    await expect(approving).rejects.toThrow(/declined on the new device|connection|closed/i)
    expect(approved).toEqual([])
    expect(phone.linked).toEqual([])
  })

  it('a package sent without the person’s confirmation is refused, and so is one for another role than confirmed', async () => {
    const alice = createIdentity()
    const phone = newDevice({ person: 'waits' })
    const transport = await phone.connect(parseLinkCode(codeText(phone.link), Date.now()))
    const session = await establishSession<NewDeviceMethods, Record<string, never>>(transport, {
      credentials: fullDevice(alice), expectedRemoteKey: phone.link.deviceKey, acceptUncertified: (k) => bytesEqual(k, phone.link.deviceKey), handlers: () => ({})
    })
    const full = { certificate: issueDeviceCertificate(alice, { publicKey: phone.link.deviceKey, name: 'Phone', role: 'full' }, Date.now()), identitySecretKey: alice.secretKey, devicesSecret: new Uint8Array(32), displayName: 'Alice' }
    await expect(session.rpc.call('completeLink', full as never, { timeoutMs: 1000 })).rejects.toThrow(/not confirmed/)
    const confirming = session.rpc.call('confirmLink', { displayName: 'Alice', deviceName: 'Phone', role: 'server' }, { timeoutMs: 2000 })
    await until(() => phone.link.state.step === 'accepting')
    phone.link.confirm()
    await confirming
    await expect(session.rpc.call('completeLink', full as never, { timeoutMs: 1000 })).rejects.toThrow(/not for the role that was confirmed/)
    expect(phone.linked).toEqual([])
  })

  it('a runner told its owner links for them without asking, and turns anyone else away', async () => {
    const { addressFromPublicKey } = await import('../../shared/identity/identity')
    const alice = createIdentity()
    const mallory = createIdentity()
    const pi = newDevice({ serverOnly: true, autoConfirm: true, owner: addressFromPublicKey(alice.publicKey), person: 'waits' })
    const theirs = await openLinkCode(approver(mallory, pi.connect).ctx, codeText(pi.link)).then(() => 'opened', (err: unknown) => String(err))
    expect(theirs).not.toBe('opened')
    expect(pi.link.state.step).toBe('waiting')
    pi.link.restart() // the code Mallory saw is spent on her side; a new one for Alice
    const step = await openLinkCode(approver(alice, pi.connect).ctx, codeText(pi.link))
    await step.approve({ name: 'Pi', role: 'server' })
    await until(() => pi.link.state.step === 'linked')
    expect(pi.linked[0]!.identityKey).toEqual(alice.publicKey)
  })

  it('a spent link code stays spent after the approving device reloads', async () => {
    let saved: Array<[string, number]> = []
    const keep = async (list: Array<[string, number]>): Promise<void> => { saved = list }
    const pi = newDevice()
    const text = codeText(pi.link)
    await openLinkCode(approver(createIdentity(), pi.connect, new SpentLinkCodes([], keep)).ctx, text)
    // A reload: a new memory, from what was kept.
    await expect(openLinkCode(approver(createIdentity(), pi.connect, new SpentLinkCodes(saved, keep)).ctx, text)).rejects.toThrow(/already used/)
  })
})
