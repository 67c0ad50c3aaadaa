// Rotations on the node (docs/security.md, "Recovery key and rotation"):
// for each person this device keeps a recovery key for (each friend, as
// person/recovery.ts took it, and the person themselves, from their own
// recovery record), the rotation records it followed. The handshake reads
// them synchronously (session/handshake.ts: rotationsOf), so they are held
// in memory; each person's chain is also stored on this device only
// (`rotation.of.<hex>`, never synced: every device follows a chain itself,
// from the hello of a device that presents it, checked against the R it
// keeps, never against a signing key).
//
// The person rotates here too: with R (from the 12 words), on a device of
// theirs, a record that names a new signing key Sₙ, re-certifies the
// devices kept and revokes the others. The device keeps Sₙ (see the docs
// for what it signs today) and presents the chain in every hello.
import { bytesEqual, fromHex, toHex } from '../../shared/util/bytes'
import { generateSigningKeyPair, keyPairMatches, type SigningKeyPair } from '../../shared/crypto/crypto'
import { parseRecoveryRecord } from '../../shared/identity/recovery-record'
import {
  followRotations, HELLO_ROTATIONS, makeRotationRecord, notRotated, type HeldRotations, type RotationRecord
} from '../../shared/identity/rotation-record'
import { KithError } from '../../shared/wire/errors'
import { proveHolder } from '../../shared/identity/signing-key-holder'
import type { NodeDatabase } from '../storage/db'
import { RECOVERY_RECORD_KEY } from '../storage/signed-settings'
import { ROTATION_KEPT_KEY } from '../storage/rotation-kept'
import { FRIEND_RECORD_PREFIX } from './recovery'
import { CHAIN_PREFIX, SIGNING_KEY } from './rotation-keys'
import { demoteUnsignedBy, forgetSecretsDatedAfter, signAgain } from './rotation-signatures'


const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
/** A chain as stored: the records, and the R they were followed under
 *  (new words later do not undo the rotations the old ones signed). */
const isChain = (v: unknown): v is { recoveryKey: Uint8Array, records: unknown[] } =>
  typeof v === 'object' && v !== null && isBytes((v as { recoveryKey: unknown }).recoveryKey) && Array.isArray((v as { records: unknown }).records)
const isStoredKey = (v: unknown): v is { n: number, publicKey: Uint8Array, secretKey: Uint8Array } =>
  typeof v === 'object' && v !== null && Number.isSafeInteger((v as { n: unknown }).n) &&
  isBytes((v as { publicKey: unknown }).publicKey) && isBytes((v as { secretKey: unknown }).secretKey)

export interface RotateChoice {
  /** The devices kept (hex keys), each with its name and role. */
  keep: ReadonlyArray<{ key: string, name: string, role: 'full' | 'server' }>
  /** The devices revoked (hex keys). */
  revoke: readonly string[]
}

export class PersonRotations {
  /** identity hex -> what is held: only people whose recovery key is known. */
  private held = new Map<string, HeldRotations>()
  /** Which rotation's Sₙ this device holds (device-local), or null. */
  private signingN: number | null = null
  /** That key pair, in memory for the signers that cannot wait (grants). */
  private signingPair: SigningKeyPair | null = null

  constructor (private readonly db: NodeDatabase, private readonly myKey: Uint8Array,
    /** I followed a rotation of my own: my device list reads differently now. */
    private readonly onOwnRotation?: () => void) {}

  /** Reads every recovery key this device keeps and the chains followed,
   *  each checked again from the start (a stored row is only as good as
   *  its signatures). Call after the node's checks (crypto loaded). */
  async load (): Promise<void> {
    const held = new Map<string, HeldRotations>()
    const own = await this.db.getSetting(RECOVERY_RECORD_KEY, isBytes)
    const recoveryKeys = new Map<string, Uint8Array>()
    if (own) recoveryKeys.set(toHex(this.myKey), recoveryKeyOf(own, this.myKey))
    for (const row of await this.db.settings.where('key').startsWith(FRIEND_RECORD_PREFIX).toArray()) {
      const hex = row.key.slice(FRIEND_RECORD_PREFIX.length)
      if (isBytes(row.value)) recoveryKeys.set(hex, recoveryKeyOf(row.value, fromHex(hex)))
    }
    for (const [hex, r] of recoveryKeys) {
      if (r.length === 0) continue
      held.set(hex, this.neverBack(hex, await this.followStored(hex, r)))
    }
    this.held = held
    const stored = await this.db.getSetting(SIGNING_KEY, isStoredKey)
    this.signingN = stored?.n ?? null
    this.signingPair = stored ? { publicKey: stored.publicKey, secretKey: stored.secretKey } : null
    // What my devices read of my latest rotation, from the chain as checked
    // just now, never from a row that came some other way (a restored backup).
    const mine = held.get(toHex(this.myKey))
    if (mine && mine.keys.n > 0) {
      await this.db.putSetting(ROTATION_KEPT_KEY, keptOf(mine.records[mine.records.length - 1]!))
      await demoteUnsignedBy(this.db, mine.keys.signingKey)
    } else {
      await this.db.settings.delete(ROTATION_KEPT_KEY)
    }
  }

  /** What the handshake follows from for this person, or null when this
   *  device does not know their recovery key. */
  rotationsOf (identityKey: Uint8Array): HeldRotations | null {
    return this.held.get(toHex(identityKey)) ?? null
  }

  /** The latest of my own rotation records, for my hello. */
  hello (): RotationRecord[] {
    return this.held.get(toHex(this.myKey))?.records.slice(-HELLO_ROTATIONS) ?? []
  }

  /** How many times I rotated (0: never). */
  get rotated (): number {
    return this.held.get(toHex(this.myKey))?.keys.n ?? 0
  }

  /** A recovery key became known (or was replaced) for this person. */
  async recoveryKeyKnown (identityKey: Uint8Array, recoveryKey: Uint8Array): Promise<void> {
    const hex = toHex(identityKey)
    this.held.set(hex, this.neverBack(hex, await this.followStored(hex, recoveryKey)))
  }

  /** A handshake followed these records: followed here at once (checked
   *  again: the next handshake must not wait for the disk), then stored,
   *  after checking the whole chain again from what is stored, so two
   *  sessions at once cannot store a fork or take the chain back. */
  async follow (identityKey: Uint8Array, records: readonly RotationRecord[]): Promise<void> {
    const hex = toHex(identityKey)
    const held = this.held.get(hex)
    if (!held || records.length === 0) return
    const now = Date.now()
    const ahead = followRotations(held.keys, records, now)
    if (ahead.records.length > 0) this.held.set(hex, { keys: ahead.keys, records: [...held.records, ...ahead.records] })
    await this.db.transaction('rw', this.db.settings, this.db.friends, async () => {
      const current = await this.followStored(hex, held.keys.recoveryKey)
      const next = followRotations(current.keys, records, now)
      if (next.records.length === 0) return
      await this.db.putSetting(CHAIN_PREFIX + hex, { recoveryKey: current.chainKey, records: [...current.records, ...next.records] })
      // Meeting secrets the old keys proved, dated after the rotation: a thief's.
      const olderKeys = [identityKey, ...[...current.records, ...next.records.slice(0, -1)].map((r) => r.signingKey)]
      await forgetSecretsDatedAfter(this.db, this.myKey, identityKey, olderKeys, next.records[0]!.at)
      if (hex !== toHex(this.myKey)) return
      // My own devices: those the latest rotation kept (see storage/rotation-kept.ts).
      await this.db.putSetting(ROTATION_KEPT_KEY, keptOf(next.records[next.records.length - 1]!))
      // My signed settings an older key signed win nothing here any more.
      await demoteUnsignedBy(this.db, next.keys.signingKey)
    })
    if (hex === toHex(this.myKey)) this.onOwnRotation?.()
  }

  /** Rotation n+1 of my own signing key, with R from my words: R must be
   *  the one in my recovery record. Kept devices are re-certified by the
   *  new key; this device must be among them. Returns the record. */
  async rotate (recovery: SigningKeyPair, myDeviceHex: string, choice: RotateChoice, now = Date.now()): Promise<RotationRecord> {
    const held = this.rotationsOf(this.myKey)
    if (!held) throw new KithError('BAD_REQUEST', 'Set up your recovery words first: a rotation needs them.')
    if (!keyPairMatches(recovery) || !bytesEqual(recovery.publicKey, held.keys.recoveryKey)) {
      throw new KithError('UNAUTHORIZED', 'These are not your recovery words: they do not match the ones you set up.')
    }
    if (!choice.keep.some((d) => d.key === myDeviceHex)) throw new KithError('BAD_REQUEST', 'This device must be one of those you keep.')
    const keptKeys = new Set(choice.keep.map((d) => d.key))
    if (choice.revoke.some((k) => keptKeys.has(k))) throw new KithError('BAD_REQUEST', 'A device cannot be both kept and revoked.')
    const next = generateSigningKeyPair()
    const record = makeRotationRecord(recovery, held.keys, next,
      choice.keep.map((d) => ({ publicKey: fromHex(d.key), name: d.name, role: d.role })), choice.revoke.map(fromHex), now)
    await this.db.putSetting(SIGNING_KEY, { n: record.n, publicKey: next.publicKey, secretKey: next.secretKey })
    this.signingN = record.n
    this.signingPair = next
    // My devices name this one as where linking and revoking are done now.
    await this.db.devices.update(myDeviceHex, { signingKeyHolder: proveHolder(next, this.myKey, fromHex(myDeviceHex), record.n) })
    await this.follow(this.myKey, [record])
    // What must stay current, signed again by Sₙ: my other devices now take
    // only what it signed (rotation-signatures.ts).
    await signAgain(this.db, this.myKey, next, [this.myKey, ...(this.held.get(toHex(this.myKey))?.records.slice(0, -1).map((r) => r.signingKey) ?? [])])
    return record
  }

  /** Whether this device holds the newest signing key Sₙ (it made the
   *  latest rotation, or was linked as a full device since); false before
   *  any rotation. For the screens, which cannot wait. */
  get holdsSigningKey (): boolean {
    return this.signingN !== null && this.signingN === this.rotated
  }

  /** Sₙ as held in memory, on a device that holds the latest rotation's;
   *  null elsewhere (and before any rotation). For the signers that cannot
   *  wait: see person-signer.ts. */
  heldSigningKey (): SigningKeyPair | null {
    return this.holdsSigningKey ? this.signingPair : null
  }

  /** Sₙ, on a device that holds the latest rotation's; null elsewhere. */
  async signingKey (): Promise<SigningKeyPair | null> {
    const stored = await this.db.getSetting(SIGNING_KEY, isStoredKey)
    if (!stored || stored.n !== this.rotated) return null
    return { publicKey: stored.publicKey, secretKey: stored.secretKey }
  }

  /** What a device linked from here after my rotation needs (see
   *  shared/linking/link-rotation.ts): Sₙ (which signs its certificate),
   *  my recovery record as the signed setting it syncs as, and my whole
   *  chain. Null before any rotation; refused on a device without Sₙ. */
  async forLink (): Promise<{ signingKey: SigningKeyPair, recoveryRecord: { value: Uint8Array, at: number, grant: Uint8Array }, records: RotationRecord[] } | null> {
    if (this.rotated === 0) return null
    const signingKey = await this.signingKey()
    const row = await this.db.settings.get(RECOVERY_RECORD_KEY) as { value?: unknown, at?: unknown, grant?: unknown } | undefined
    const held = this.held.get(toHex(this.myKey))
    if (!signingKey || !held || !row || !isBytes(row.value) || !Number.isSafeInteger(row.at) || !isBytes(row.grant)) return null
    return { signingKey, recoveryRecord: { value: row.value, at: row.at as number, grant: row.grant }, records: held.records }
  }

  /** A load racing a handshake's follow (sync, a friend's record kept)
   *  must not take memory back to fewer rotations than it already follows. */
  private neverBack (hex: string, loaded: HeldRotations): HeldRotations {
    const mem = this.held.get(hex)
    if (!mem || mem.keys.n <= loaded.keys.n) return loaded
    return { keys: { ...mem.keys, recoveryKey: loaded.keys.recoveryKey }, records: mem.records }
  }

  /** The stored chain followed again from the start under the R it was
   *  followed with (written by this device only, after its checks); what
   *  comes next must be signed by `recoveryKey`, the R kept now. A chain
   *  that no longer checks (a damaged row) is dropped. */
  private async followStored (hex: string, recoveryKey: Uint8Array): Promise<HeldRotations & { chainKey: Uint8Array }> {
    const stored = await this.db.getSetting(CHAIN_PREFIX + hex, isChain)
    const chainKey = stored?.recoveryKey ?? recoveryKey
    try {
      const { keys, records } = followRotations(notRotated(fromHex(hex), chainKey), stored?.records ?? [], Number.MAX_SAFE_INTEGER)
      return { keys: { ...keys, recoveryKey }, records, chainKey }
    } catch {
      return { keys: notRotated(fromHex(hex), recoveryKey), records: [], chainKey: recoveryKey }
    }
  }
}

/** The device keys (hex) a rotation keeps and does not also revoke. */
function keptOf (record: RotationRecord): string[] {
  const revoked = new Set(record.revoked.map(toHex))
  return record.kept.map((c) => toHex(c.deviceKey)).filter((k) => !revoked.has(k))
}

/** R's public half from a stored recovery record, or empty when damaged. */
function recoveryKeyOf (bytes: Uint8Array, identityKey: Uint8Array): Uint8Array {
  try {
    const record = parseRecoveryRecord(bytes)
    return bytesEqual(record.identityKey, identityKey) ? record.recoveryKey : new Uint8Array(0)
  } catch {
    return new Uint8Array(0)
  }
}
