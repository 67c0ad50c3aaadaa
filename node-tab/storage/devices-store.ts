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

  constructor (private readonly db: NodeDatabase, private readonly identityKey: Uint8Array) {}

  /** Loads what the synchronous checks need. Call once after opening, and
   *  after sync brought in device rows. */
  async load (): Promise<void> {
    const revoked = new Map<string, Set<string>>()
    const add = (identity: string, device: string): void => {
      let set = revoked.get(identity)
      if (!set) revoked.set(identity, set = new Set())
      set.add(device)
    }
    for (const device of await this.list()) if (device.revocation) add(toHex(this.identityKey), device.key)
    for (const row of await this.db.peerRevocations.toArray()) {
      // Rows may come from my other devices by sync: only a revocation the
      // friend's own identity signed counts.
      try {
        const revocation = checkDeviceRevocation(row.revocation, fromHex(row.identityKey))
        if (toHex(revocation.deviceKey) === row.deviceKey) add(row.identityKey, row.deviceKey)
      } catch { /* not signed by that friend */ }
    }
    this.revoked = revoked
    this.lastSeen = await this.db.getSetting(LAST_SEEN_KEY, (v): v is Record<string, number> => typeof v === 'object' && v !== null) ?? {}
  }

  isRevoked (identityKey: Uint8Array, deviceKey: Uint8Array): boolean {
    return this.revoked.get(toHex(identityKey))?.has(toHex(deviceKey)) ?? false
  }

  /** My devices with a valid certificate (rows that fail their check are skipped). */
  async list (): Promise<KnownDevice[]> {
    await loadCrypto() // at once after the node's checks (identity/node-identity.ts, verify)
    const out: KnownDevice[] = []
    // My latest rotation kept these: a revocation before it does not count.
    const kept = await keptByRotation(this.db)
    for (const row of await this.db.devices.toArray()) {
      try {
        const certificate = checkDeviceCertificate(row.certificate, { identityKey: this.identityKey, now: Number.MAX_SAFE_INTEGER })
        const revocation = row.revocation && !kept.has(row.deviceKey) ? checkDeviceRevocation(row.revocation, this.identityKey) : null
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
    const fresh = [...new Map(revocations.filter((r) => !this.isRevoked(identityKey, r.deviceKey))
      .map((r) => [toHex(r.deviceKey), r])).values()]
    if (fresh.length === 0) return 0
    await this.db.transaction('rw', this.db.peerRevocations, async () => {
      const held = await this.db.peerRevocations.where('identityKey').equals(identity).count()
      if (held + fresh.length > MAX_PEER_REVOCATIONS) throw new KithError('TOO_LARGE', `A person can have at most ${MAX_PEER_REVOCATIONS} revoked devices.`)
      await this.db.peerRevocations.bulkPut(fresh.map((revocation) => ({ identityKey: identity, deviceKey: toHex(revocation.deviceKey), revocation })))
    })
    // Checked by the caller: added as they are, not by loading (and checking)
    // every stored revocation again, which a friend could make us do per call.
    let known = this.revoked.get(identity)
    if (!known) this.revoked.set(identity, known = new Set())
    for (const r of fresh) known.add(toHex(r.deviceKey))
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

