// The person's other devices, from this one: the list they all share, the
// swarm only they can name, a session kept open with each (own-device-links)
// that device sync pulls over, linking a new device (a full device's side),
// and revoking one. What a revocation must change elsewhere (notices to
// friends, the node's event) is left to the onRevoked hook.
import { fromHex, toHex } from '../../shared/util/bytes'
import { randomBytes } from '../../shared/crypto/random'
import { checkDeviceCertificate, issueDeviceCertificate, issueDeviceCertificateFor, normalizeDeviceName, revokeDeviceFor } from '../../shared/identity/device-certificate'
import type { DeviceCredentials } from '../../shared/identity/device-credentials'
import type { Identity } from '../../shared/identity/identity'
import { DEVICES_SECRET_BYTES } from '../../shared/identity/devices-secret'
import type { SpentLinkCodes } from '../../shared/linking/link-code'
import { KithError } from '../../shared/wire/errors'
import type { Meeting } from '../../shared/rendezvous/meetings'
import type { Transport } from '../../shared/wire/transport'
import type { NodeIdentity } from '../identity/node-identity'
import type { PersonRotations } from '../person/rotations'
import type { LinkApprovalStep } from '../linking/approve-link'
import type { NodeSession, SessionRegistry } from '../connections/sessions'
import type { NodeDatabase, OwnDeviceRow } from '../storage/db'
import type { DevicesStore } from '../storage/devices-store'
import type { FriendsStore } from '../storage/friends-store'
import { loadOrCreateDevicesSecret } from '../storage/identity-store'
import { DEVICES_SECRET_KEY } from '../storage/signed-settings'
import type { AppliedChanges } from '../sync/apply'
import type { RotatedSigners } from '../sync/grants-filter'
import { DeviceSyncSessions } from './device-sync-sessions'
import { firstDialled, leftDevicesSecrets, rememberLeftDevicesSecret, secretsToDial } from './left-device-meetings'
import { OwnDeviceLinks } from './own-device-links'
import { needsSigningKey, type SignedAct } from './signing-key-words'
import { isHolder, proveHolder } from '../../shared/identity/signing-key-holder'

export { needsSigningKey }

type LinkingCode = Pick<typeof import('../network'), 'openLinkCode' | 'SpentLinkCodes' | 'deviceMeeting'>

const REVOKED = 'this device was revoked by its owner'
/** How long a revocation waits for the revoked device to say it heard. */
const TELL_REVOKED_MS = 3_000
const isDevicesSecret = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length === DEVICES_SECRET_BYTES
/** Link codes this device opened (device-local): spent across reloads. */
const SPENT_LINK_CODES_KEY = 'linking.spent'
const isSpentList = (v: unknown): v is Array<[string, number]> => Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Number.isSafeInteger(e[1]))

export interface OwnDevicesOptions {
  db: NodeDatabase
  identity: NodeIdentity
  devices: DevicesStore
  friends: FriendsStore
  deviceSessions: SessionRegistry
  friendSessions: Pick<SessionRegistry, 'closeDevice'>
  /** Loads the network code; refuses while the stored keys are unchecked. */
  load: () => Promise<LinkingCode>
  dial: (meetingFor: (epoch: number) => Meeting, signal: AbortSignal) => Promise<Transport>
  startSession: (transport: Transport, identityKey: Uint8Array, deviceKey: Uint8Array) => Promise<NodeSession>
  displayName: () => string
  trackers: () => string[]
  rtcConfig: () => RTCConfiguration
  /** Another device's changes were applied here (sync). */
  onSynced: (changes: AppliedChanges) => void
  onRevoked: (deviceHex: string) => void
  onChange: () => void
  /** How many times the person rotated (person/rotations.ts). */
  rotated?: () => number
  /** After a rotation: Sₙ, if this device holds it, and what a device
   *  linked from here needs (person/rotations.ts). */
  rotations?: Pick<PersonRotations, 'signingKey' | 'forLink'>
  /** The keys rotations named, for the rows sync brings (sync/grants-filter.ts). */
  rotatedSigners?: () => RotatedSigners
  /** What signs the devices secret (person/person-signer.ts: after a
   *  rotation Sₙ, or nothing); the address key on a full device when absent. */
  personSigner?: () => Identity | null
}


export class OwnDevices {
  /** Keeps a session open with each of my other devices. */
  readonly links: OwnDeviceLinks
  /** Pulls from each of my other devices while a session with it is open. */
  readonly sync: DeviceSyncSessions
  private devicesSecret: Uint8Array | null = null
  /** Made with the first link code opened (its code loads with network.ts). */
  private spentLinkCodes: SpentLinkCodes | null = null
  /** Kept current by refreshCount (the status line must not wait). */
  private otherDevices = 0
  /** The names of my other devices that hold the newest Sₙ, as their
   *  rows prove it (kept current by refreshCount). */
  private holders: string[] = []

  constructor (private readonly opts: OwnDevicesOptions) {
    const { identity, devices } = opts
    this.links = new OwnDeviceLinks({
      myDeviceKey: identity.credentials.device.publicKey,
      devices: () => devices.list(),
      isOpen: (deviceHex) => opts.deviceSessions.isOnline(deviceHex),
      connect: (deviceKey, signal) => this.connectTo(deviceKey, signal)
    })
    this.sync = new DeviceSyncSessions(opts.db, identity.deviceHex, opts.onSynced, {
      // The role its certificate says, which the handshake checked against my identity.
      loadAccept: async (peer) => (await import('../sync/grants-filter')).grantedRecords(identity.identityKey, peer.certificate?.role ?? 'server', opts.rotatedSigners?.() ?? {})
    })
    this.sync.addEventListener('change', opts.onChange)
    opts.deviceSessions.addEventListener('opened', opts.onChange)
    opts.deviceSessions.addEventListener('closed', (ev) => { opts.onChange(); this.links.lost((ev as CustomEvent<string>).detail) })
  }

  /** At open: this device is one of the person's devices, in the list they
   *  all share; the devices' swarm secret, if there are others. */
  async load (): Promise<void> {
    await this.opts.devices.add(this.opts.identity.credentials.certificate!)
    await this.reloadSecret()
  }

  /** Where my devices meet; null until there is another device. */
  get secret (): Uint8Array | null {
    return this.devicesSecret
  }

  /** The swarm secret again, after another device changed it (sync). */
  async reloadSecret (): Promise<void> {
    const next = await this.opts.db.getSetting(DEVICES_SECRET_KEY, isDevicesSecret) ?? this.devicesSecret
    // Another device replaced it: the swarm left is still listened in a while.
    if (next) await rememberLeftDevicesSecret(this.opts.db, this.devicesSecret, next)
    this.devicesSecret = next
  }

  /** My other devices, in a phrase: "2 of 3 other devices connected". */
  phrase (): string {
    if (this.otherDevices === 0) return 'no other devices'
    const online = Math.min(this.opts.deviceSessions.size, this.otherDevices)
    const sync = this.sync.summary()
    return `${online} of ${this.otherDevices} other device${this.otherDevices === 1 ? '' : 's'} connected${sync ? `, ${sync}` : ''}`
  }

  async refreshCount (): Promise<void> {
    const me = this.opts.identity.deviceHex
    const others = (await this.opts.devices.list()).filter((d) => !d.revocation && d.key !== me)
    this.otherDevices = others.length
    this.holders = await this.holdersAmong(others)
  }

  /** Where linking and revoking can be done, when not here (after a
   *  rotation made on another device): in words, with its name when known. */
  signingElsewhere (what: SignedAct): string {
    return needsSigningKey(what, this.holders)
  }

  private async holdersAmong (others: ReadonlyArray<{ key: string, certificate: { name: string, role: string } }>): Promise<string[]> {
    const n = this.opts.rotated?.() ?? 0
    const signingKey = this.opts.rotatedSigners?.().mine?.at(-1)
    if (n === 0 || !signingKey) return []
    const names: string[] = []
    for (const d of others) {
      if (d.certificate.role !== 'full') continue
      const row = await this.opts.db.devices.get(d.key)
      if (isHolder(row?.signingKeyHolder, this.opts.identity.identityKey, fromHex(d.key), n, signingKey)) names.push(d.certificate.name)
    }
    return names.sort((a, b) => a.localeCompare(b))
  }

  /** A session with another of my devices opened: note it seen, and sync. */
  attach (deviceHex: string, session: NodeSession): void {
    const seen = (): void => { this.opts.devices.markSeen(deviceHex, Date.now()).catch(() => { /* closing */ }) }
    seen()
    session.transport.onClose(seen)
    this.sync.attach(deviceHex, session)
  }

  /** The full device's side of linking a new device (see approve-link.ts). */
  async openLinkCode (input: string, signal?: AbortSignal): Promise<LinkApprovalStep> {
    const { identity, db } = this.opts
    if (identity.role !== 'full' || !identity.holdsSigningKey) throw new KithError('UNAUTHORIZED', 'Only a full device can link another device. Use your laptop or phone.')
    // After a rotation the certificate is signed by Sₙ, which friends who
    // followed take; the address key, which a thief may hold, no longer counts.
    let rotation: Awaited<ReturnType<PersonRotations['forLink']>> = null
    if ((this.opts.rotated?.() ?? 0) > 0) {
      rotation = await this.opts.rotations?.forLink() ?? null
      if (!rotation) throw new KithError('BAD_REQUEST', this.signingElsewhere('link'))
    }
    const { openLinkCode, SpentLinkCodes } = await this.opts.load()
    return openLinkCode({
      signing: identity.signing()!,
      ...(rotation ? { rotation } : {}),
      credentials: linkingCredentials(identity),
      spent: this.spentLinkCodes ??= new SpentLinkCodes(
        await db.getSetting(SPENT_LINK_CODES_KEY, isSpentList) ?? [],
        (spent) => db.putSetting(SPENT_LINK_CODES_KEY, spent)
      ),
      devicesSecret: async () => {
        if (!this.devicesSecret) {
          this.devicesSecret = await loadOrCreateDevicesSecret(db, this.settingsSigner())
          this.opts.onChange() // now sits in its device swarm too
        }
        return this.devicesSecret
      },
      displayName: this.opts.displayName,
      onApproved: async (certificate) => {
        await this.opts.devices.add(certificate)
        // A full device linked now holds Sₙ too: my devices may name it.
        if (rotation && certificate.role === 'full') {
          const n = this.opts.rotated?.() ?? 0
          await db.devices.update(toHex(certificate.deviceKey), { signingKeyHolder: proveHolder(rotation.signingKey, identity.identityKey, certificate.deviceKey, n) })
        }
        await this.refreshCount()
        this.links.kick()
        this.opts.onChange()
      },
      trackers: this.opts.trackers(),
      rtcConfig: this.opts.rtcConfig()
    }, input, signal)
  }

  /** Names this (full) device: its certificate again, with the new name.
   *  The first device of a person is made before anyone could be asked what
   *  to call it (FIRST_DEVICE_NAME); it is asked when it links its first
   *  other device, since that is when the list of devices starts to matter.
   *  The other devices learn the name through sync (the devices table). */
  async renameThisDevice (input: string): Promise<void> {
    const { identity, devices, db } = this.opts
    if (identity.role !== 'full' || !identity.holdsSigningKey) throw new KithError('UNAUTHORIZED', 'Only a full device can rename itself.')
    const name = normalizeDeviceName(input)
    await identity.verify()
    const current = identity.credentials.certificate!
    if (current.name === name) return
    // A device linked after a rotation is accepted only by Sₙ's signature:
    // renamed with Sₙ when this device holds it. One the identity key
    // certified stays so (followers take a kept device's certificate from
    // the record; friends without the recovery key take only that key's).
    const signer = (this.opts.rotated?.() ?? 0) > 0 && !certifiedByIdentity(identity) ? await this.opts.rotations?.signingKey() ?? null : null
    const certificate = issueDeviceCertificateFor(identity.identityKey, signer ?? identity.signing()!, { publicKey: identity.credentials.device.publicKey, name, role: current.role }, Date.now())
    await db.transaction('rw', db.identity, async () => {
      const row = await db.identity.get('device') as OwnDeviceRow | undefined
      if (!row) return
      const renamed: OwnDeviceRow = { ...row, certificate }
      // Read back at the next open (storage/identity-store.ts, checkStoredIdentity).
      if (signer) renamed.certifiedBy = signer.publicKey
      else delete renamed.certifiedBy
      await db.identity.put(renamed)
    })
    await devices.add(certificate)
    identity.credentials.certificate = certificate
    this.opts.onChange()
  }

  /** Revokes one of my devices: it gets no more sync from any of my devices
   *  from now on, and my friends refuse it once they are told. */
  async revoke (deviceHex: string): Promise<void> {
    const { identity, devices, friends, db } = this.opts
    if (identity.role !== 'full' || !identity.holdsSigningKey) throw new KithError('UNAUTHORIZED', 'Only a full device can revoke a device.')
    // Friends who followed a rotation take a revocation only if Sₙ signed it.
    if ((this.opts.rotated?.() ?? 0) > 0) {
      const signingKey = await this.opts.rotations?.signingKey() ?? null
      if (!signingKey) throw new KithError('BAD_REQUEST', this.signingElsewhere('revoke'))
      return await this.revokeWith([deviceHex], signingKey)
    }
    await this.revokeWith([deviceHex], identity.signing()!)
  }

  /** The revocations a rotation makes, told and followed as any other: no
   *  more sync, sessions closed, every meeting secret replaced, friends
   *  told (friends who follow the rotation take them because it revoked the
   *  devices too). All at once, with one replacement of each secret: a
   *  second replacement while a friend is still being told the first would
   *  leave the friend in a swarm neither of us listens in any more. */
  async revokeForRotation (deviceHexes: readonly string[]): Promise<void> {
    await this.revokeWith(deviceHexes, this.opts.identity.signing()!)
  }

  /** The key that signs the devices secret here now: after a rotation Sₙ
   *  where this device holds it (my devices that follow the rotation take
   *  no other), before any the address key; none on a server device. */
  private settingsSigner (): Identity | null {
    return this.opts.personSigner ? this.opts.personSigner() : this.opts.identity.signing()
  }

  /** `signer`: the identity key before any rotation, Sₙ after. */
  private async revokeWith (deviceHexes: readonly string[], signer: Identity): Promise<void> {
    const { identity, devices, friends, db } = this.opts
    if (identity.role !== 'full' || !identity.holdsSigningKey) throw new KithError('UNAUTHORIZED', 'Only a full device can revoke a device.')
    await identity.verify()
    if (deviceHexes.includes(identity.deviceHex)) throw new KithError('BAD_REQUEST', 'A device cannot revoke itself; revoke it from another of your devices.')
    const known = await devices.list()
    const revoking = deviceHexes.filter((deviceHex) => {
      const device = known.find((d) => d.key === deviceHex)
      if (!device) throw new KithError('NOT_FOUND', 'No such device.')
      return device.revocation === null
    })
    if (revoking.length === 0) return
    for (const deviceHex of revoking) {
      const revocation = revokeDeviceFor(identity.identityKey, signer, fromHex(deviceHex), Date.now())
      await devices.revoke(revocation)
      this.links.forget(deviceHex)
      // Told first if it is online, so it stops serving and says by whom
      // (devices/revoked-here.ts); then its sessions close either way.
      await Promise.all(this.opts.deviceSessions.openSessions(deviceHex).map((session) =>
        session.rpc.call('deviceRevoked', { revocations: [revocation] }, { timeoutMs: TELL_REVOKED_MS }).catch(() => { /* it hears it from nobody, then */ })))
      this.opts.deviceSessions.closeAll(deviceHex, REVOKED)
    }
    await this.refreshCount()
    // Every secret they knew is replaced: where my devices meet, and where each
    // friend meets me (the friends get theirs with the revocation).
    const left = this.devicesSecret
    this.devicesSecret = randomBytes(DEVICES_SECRET_BYTES)
    await rememberLeftDevicesSecret(db, left, this.devicesSecret)
    const { putSignedSetting } = await import('../storage/signed-setting-writes')
    await putSignedSetting(db, DEVICES_SECRET_KEY, this.devicesSecret, this.settingsSigner())
    await friends.replaceAllPairSecrets(() => randomBytes(32))
    for (const deviceHex of revoking) this.opts.onRevoked(deviceHex)
  }

  /** Sync brought device records (certificates, revocations of mine or of
   *  friends' devices): the revoked ones' sessions end here too. */
  async followDeviceChanges (): Promise<void> {
    const { devices, db } = this.opts
    await devices.load()
    await this.refreshCount()
    for (const device of await devices.list()) {
      if (device.revocation) this.opts.deviceSessions.closeAll(device.key, REVOKED)
    }
    for (const row of await db.peerRevocations.toArray()) this.opts.friendSessions.closeDevice(row.identityKey, row.deviceKey, REVOKED)
    this.links.kick()
  }

  start (): void {
    this.links.start()
  }

  stop (): void {
    this.links.stop()
  }

  close (): void {
    this.sync.stopAll()
  }

  /** Dials one of my other devices in the swarm where it waits for them. */
  private async connectTo (deviceKey: Uint8Array, signal: AbortSignal): Promise<NodeSession> {
    const secrets = await this.dialSecrets(toHex(deviceKey))
    if (secrets.length === 0) throw new Error('no devices secret yet')
    const { deviceMeeting } = await this.opts.load()
    const transport = await firstDialled(secrets.map((secret) => (s: AbortSignal) => this.opts.dial((epoch) => deviceMeeting(secret, epoch, deviceKey), s)), signal)
    return this.opts.startSession(transport, this.opts.identity.identityKey, deviceKey)
  }

  /** The secrets one of my devices is dialled at: the current one, and after
   *  a rotation the ones left since we last met (left-device-meetings.ts). */
  async dialSecrets (deviceHex: string): Promise<Uint8Array[]> {
    const left = await leftDevicesSecrets(this.opts.db)
    return secretsToDial(this.devicesSecret, left, this.opts.devices.lastSeenAt(deviceHex), (this.opts.rotated?.() ?? 0) > 0)
  }
}

/** What this device proves to a device it links. The new device knows no
 *  rotation yet, so it checks the identity key's signature: a device that
 *  was itself linked after a rotation (certified by Sₙ) presents, for the
 *  link only, a certificate the identity key signs (it holds that key as a
 *  full device). This proves no more than that key did before; what the new
 *  device stores is checked against the chain the link brings. */
function linkingCredentials (identity: NodeIdentity): DeviceCredentials {
  const { credentials } = identity
  const certificate = credentials.certificate!
  if (certifiedByIdentity(identity)) return credentials
  return { ...credentials, certificate: issueDeviceCertificate(identity.signing()!, { publicKey: certificate.deviceKey, name: certificate.name, role: certificate.role }, certificate.issuedAt) }
}

/** Whether this device's certificate is the identity key's (not a rotation's). */
function certifiedByIdentity (identity: NodeIdentity): boolean {
  try {
    checkDeviceCertificate(identity.credentials.certificate, { identityKey: identity.identityKey, now: Number.MAX_SAFE_INTEGER })
    return true
  } catch {
    return false
  }
}
