// The person's devices as this device knows them (their certificates and
// revocations, synced among the devices), and the revoked devices of
// friends, learned from the friends themselves. Whatever is read back is
// checked again: a row is only as good as its signature.
import { fromHex, toHex } from '../../shared/util/bytes'
import {
  checkDeviceCertificate, checkDeviceRevocation, type DeviceCertificate, type DeviceRevocation
} from '../../shared/identity/device-certificate'
import { KithError } from '../../shared/wire/errors'
import { loadCrypto } from '../../shared/crypto/crypto'
import type { NodeDatabase } from './db'
import { keptByRotation } from './rotation-kept'
import { revokedUnder, type HeldRotations } from '../../shared/identity/rotation-record'

export interface KnownDevice {
  key: string
  certificate: DeviceCertificate
  revocation: DeviceRevocation | null
}

const LAST_SEEN_KEY = 'devices.lastSeen'
/** Revoked devices kept per friend. Each revocation needs the friend's
 *  signature, but a friend can sign as many as they like: without a bound,
 *  deviceRevoked filled our disk, and every load (which checks every stored
 *  signature) grew with it. No person revokes this many devices. */
export const MAX_PEER_REVOCATIONS = 256

export class DevicesStore {
  /** Revoked device keys (hex), mine and friends', for the handshake's
   *  synchronous check: identity hex -> device hexes. */
  private revoked = new Map<string, Set<string>>()
  /** When each device was last in a session with this one; device-local. */
  private lastSeen: Record<string, number> = {}

  /** Every revocation stored, per person (identity hex), as stored: the
   *  handshake asks which of them a given signing key signed. */
  private stored = new Map<string, unknown[]>()
  /** Those answers, per person and signing key (hex): a signature is
   *  checked once, not at every handshake. */
  private signedBy = new Map<string, Set<string>>()

  /** `rotations`: my rotations as this device follows them
   *  (person/rotations.ts); null before any is known. */
  constructor (private readonly db: NodeDatabase, private readonly identityKey: Uint8Array,
    private readonly rotations: () => HeldRotations | null = () => null) {}

  /** Loads what the synchronous checks need. Call once after opening, and
   *  after sync brought in device rows. */
  async load (): Promise<void> {
    const revoked = new Map<string, Set<string>>()
    const add = (identity: string, device: string): void => {
      let set = revoked.get(identity)
      if (!set) revoked.set(identity, set = new Set())
      set.add(device)
    }
    const stored = new Map<string, unknown[]>()
    const keep = (identity: string, revocation: unknown): void => {
      let list = stored.get(identity)
      if (!list) stored.set(identity, list = [])
      list.push(revocation)
    }
    for (const device of await this.list()) if (device.revocation) add(toHex(this.identityKey), device.key)
    for (const row of await this.db.devices.toArray()) if (row.revocation) keep(toHex(this.identityKey), row.revocation)
    for (const row of await this.db.peerRevocations.toArray()) {
      keep(row.identityKey, row.revocation)
      // Rows may come from my other devices by sync: only a revocation the
      // friend's own identity signed counts.
      try {
        const revocation = checkDeviceRevocation(row.revocation, fromHex(row.identityKey))
        if (toHex(revocation.deviceKey) === row.deviceKey) add(row.identityKey, row.deviceKey)
      } catch { /* not signed by that friend */ }
    }
    this.revoked = revoked
    this.stored = stored
    this.signedBy.clear()
    this.lastSeen = await this.db.getSetting(LAST_SEEN_KEY, (v): v is Record<string, number> => typeof v === 'object' && v !== null) ?? {}
  }

  isRevoked (identityKey: Uint8Array, deviceKey: Uint8Array): boolean {
    return this.revoked.get(toHex(identityKey))?.has(toHex(deviceKey)) ?? false
  }

  /** The devices of this person whose stored revocation `signingKey` signed
   *  (after a rotation, the handshake counts only Sₙ's: see
   *  shared/identity/rotation-record.ts, revokedUnder). Device hexes. */
  revokedBy (identityKey: Uint8Array, signingKey: Uint8Array): ReadonlySet<string> {
    const memo = `${toHex(identityKey)}/${toHex(signingKey)}`
    let out = this.signedBy.get(memo)
    if (!out) {
      out = new Set()
      for (const revocation of this.stored.get(toHex(identityKey)) ?? []) {
        try {
          out.add(toHex(checkDeviceRevocation(revocation, identityKey, signingKey).deviceKey))
        } catch { /* signed by another key, or by none */ }
      }
      this.signedBy.set(memo, out)
    }
    return out
  }

  /** My devices with a valid certificate (rows that fail their check are skipped). */
  async list (): Promise<KnownDevice[]> {
    await loadCrypto() // at once after the node's checks (identity/node-identity.ts, verify)
    const out: KnownDevice[] = []
    // My latest rotation kept these: a revocation before it does not count.
    const kept = await keptByRotation(this.db)
    // The keys that may have signed a row: the identity key, then S₁…Sₙ.
    const held = this.rotations()
    const signers = [this.identityKey, ...held?.records.map((r) => r.signingKey) ?? []]
    // A device a rotation revoked is revoked whoever signed the revocation
    // (the rotating device signs those with the identity key, so that friends
    // without my recovery key take them too).
    const byRotations = held && held.keys.n > 0 ? revokedUnder(held.keys, [], held.records) : new Set<string>()
    for (const row of await this.db.devices.toArray()) {
      try {
        const { value: certificate, by } = firstSigned(signers, (key) => checkDeviceCertificate(row.certificate, { identityKey: this.identityKey, now: Number.MAX_SAFE_INTEGER, signingKey: key }))
        // A revocation counts only from the key that certified the device or
        // a later one: the old key (a thief's) cannot revoke a device Sₙ
        // certified, and for a device my latest rotation kept only Sₙ's does.
        // One an earlier key signed is void; one nobody signed skips the row.
        const counting = byRotations.has(row.deviceKey) ? signers : kept.has(row.deviceKey) ? signers.slice(1).slice(-1) : signers.slice(by)
        let revocation: DeviceRevocation | null = null
        if (row.revocation) {
          try {
            revocation = firstSigned(counting, (key) => checkDeviceRevocation(row.revocation, this.identityKey, key)).value
          } catch (err) {
            if (!signers.some((key) => { try { return checkDeviceRevocation(row.revocation, this.identityKey, key) !== null } catch { return false } })) throw err
          }
        }
        if (toHex(certificate.deviceKey) !== row.deviceKey || (revocation && toHex(revocation.deviceKey) !== row.deviceKey)) continue
        out.push({ key: row.deviceKey, certificate, revocation })
      } catch { /* not signed by my identity: not one of my devices */ }
    }
    return out
  }

  /** How many device rows are stored, checked or not (no cryptography
   *  code needed): at most this many are my devices. */
  async count (): Promise<number> {
    return await this.db.devices.count()
  }

  /** Records a device I linked (or this device itself). Never un-revokes. */
  async add (certificate: DeviceCertificate): Promise<void> {
    const key = toHex(certificate.deviceKey)
    await this.db.transaction('rw', this.db.devices, async () => {
      const row = await this.db.devices.get(key)
      await this.db.devices.put({ ...row, deviceKey: key, certificate })
    })
  }

  async revoke (revocation: DeviceRevocation): Promise<void> {
    const key = toHex(revocation.deviceKey)
    await this.db.transaction('rw', this.db.devices, async () => {
      const row = await this.db.devices.get(key)
      if (!row) return
      await this.db.devices.put({ ...row, revocation })
    })
    await this.load()
  }

  /** My revocations, for telling friends. */
  async revocations (): Promise<DeviceRevocation[]> {
    return (await this.list()).flatMap((d) => d.revocation ? [d.revocation] : [])
  }

  /** A friend told us some of their devices were revoked (checked by the
   *  caller, all for that one friend): those not known yet are stored, at
   *  most MAX_PEER_REVOCATIONS per friend, and loaded once. Returns how
   *  many were new. */
  async addPeerRevocations (identityKey: Uint8Array, revocations: readonly DeviceRevocation[]): Promise<number> {
    const identity = toHex(identityKey)
    // Known: the same signature over the same device. A device revoked again
    // by another key (Sₙ, after the old key's revocation) is new: after a
    // rotation only Sₙ's counts.
    const known = new Set((this.stored.get(identity) ?? []).flatMap((r) => {
      const signature = (r as Partial<DeviceRevocation> | null)?.signature
      return signature instanceof Uint8Array ? [toHex(signature)] : []
    }))
    const fresh = [...new Map(revocations.filter((r) => !known.has(toHex(r.signature)))
      .map((r) => [toHex(r.deviceKey), r])).values()]
    if (fresh.length === 0) return 0
    await this.db.transaction('rw', this.db.peerRevocations, async () => {
      const held = await this.db.peerRevocations.where('identityKey').equals(identity).count()
      if (held + fresh.length > MAX_PEER_REVOCATIONS) throw new KithError('TOO_LARGE', `A person can have at most ${MAX_PEER_REVOCATIONS} revoked devices.`)
      await this.db.peerRevocations.bulkPut(fresh.map((revocation) => ({ identityKey: identity, deviceKey: toHex(revocation.deviceKey), revocation })))
    })
    // Checked by the caller: added as they are, not by loading (and checking)
    // every stored revocation again, which a friend could make us do per call.
    let revoked = this.revoked.get(identity)
    if (!revoked) this.revoked.set(identity, revoked = new Set())
    for (const r of fresh) revoked.add(toHex(r.deviceKey))
    this.stored.set(identity, [...this.stored.get(identity) ?? [], ...fresh])
    for (const memo of [...this.signedBy.keys()]) if (memo.startsWith(`${identity}/`)) this.signedBy.delete(memo)
    return fresh.length
  }

  lastSeenAt (deviceKey: string): number | null {
    return this.lastSeen[deviceKey] ?? null
  }

  async markSeen (deviceKey: string, at: number): Promise<void> {
    this.lastSeen[deviceKey] = at
    await this.db.putSetting(LAST_SEEN_KEY, this.lastSeen)
  }
}


/** The first of `keys` under which `check` passes, and its place; throws
 *  the last refusal when none does. */
function firstSigned<T> (keys: readonly Uint8Array[], check: (key: Uint8Array) => T): { value: T, by: number } {
  let refusal: unknown = new Error('no signing key')
  for (const [by, key] of keys.entries()) {
    try {
      return { value: check(key), by }
    } catch (err) {
      refusal = err
    }
  }
  throw refusal
}
