// Where this node meets people: which swarms to sit in during an epoch (one
// per friend, one per pending or just-used invite, my devices' swarm, and my
// address swarm only if I chose to be discoverable), and where to look for
// someone I dial. Keeps the meeting secrets each friendship uses, computes
// and stores them on a full device (a server device cannot), and signs the
// grants older friendships and invites lack so my other devices take them.
import { bytesEqual, fromHex, toHex } from '../../shared/util/bytes'
import { isValidSigningPublicKey, pairSecret, type SigningKeyPair } from '../../shared/crypto/crypto'
import { grantFriend, grantInvite, isFriendGranted, isInviteGranted } from '../../shared/identity/grants'
import { isMeetingSecretProven } from '../../shared/identity/meeting-secret-grants'
import type { Meeting } from '../../shared/rendezvous/meetings'
import type { NodeIdentity } from '../identity/node-identity'
import type { FriendsStore } from '../storage/friends-store'
import type { InvitesStore } from '../storage/invites-store'

/** The meeting constructors, which load with the network code (network.ts). */
export type MeetingMakers = Pick<typeof import('../network'), 'addressMeeting' | 'deviceMeeting' | 'inviteMeeting' | 'pairMeeting'>

/** How to find someone: by default our pair swarm for friends and their
 *  address swarm for others; an invite's swarm when redeeming it. */
export interface DialVia {
  signal?: AbortSignal
  inviteToken?: string
  via?: 'pair'
}

/** A used invite's swarm stays joined this long after its use, so the person
 *  who used it can try again if our answer was lost, and anyone else trying
 *  it is told it was used. Not longer: whoever holds the link (it may have
 *  been passed on) learns that the node is online, and where, from an answer. */
export const USED_INVITE_REACHABLE_MS = 24 * 60 * 60 * 1000
/** How far ahead another device's clock may be. */
const CLOCK_SKEW_MS = 5 * 60 * 1000

export interface MeetingPlanOptions {
  identity: NodeIdentity
  friends: FriendsStore
  invites: InvitesStore
  discoverable: () => boolean
  /** Where my devices meet; null until there is another device. */
  devicesSecret: () => Uint8Array | null
  makers: () => Promise<MeetingMakers>
  /** While listening, the next pending invite's expiry calls onInviteExpiry
   *  (its swarm must be left then). */
  isListening: () => boolean
  onInviteExpiry: () => void
  /** Swarms friends moved me away from, still listened in (never dialled)
   *  a while: person/left-meetings.ts. */
  leftMeetings?: () => Promise<Map<string, Uint8Array>>
  /** Devices secrets this device left, still listened in (never dialled
   *  from here unless it rotated) a while: devices/left-device-meetings.ts. */
  leftDevicesSecrets?: () => Promise<Uint8Array[]>
  /** Which key signs my grants and meeting-secret proofs (after a rotation,
   *  Sₙ: node-tab/person/person-signer.ts); the address key when absent. */
  grantSigning?: GrantSigning
}

export interface GrantSigning {
  /** The key that signs them now; null where this device may not. */
  signer: () => SigningKeyPair | null
  /** The key they are checked against: the Sₙ I follow, or my identity key. */
  checkKey: () => Uint8Array
  /** My signing keys before that one (none before a rotation): what they
   *  proved is proved again with the current one. */
  olderKeys: () => Uint8Array[]
}

export class MeetingPlan {
  private makersLoaded: MeetingMakers | null = null
  /** Friends' keys, for choosing the swarm to dial; refreshed from the store. */
  private friendKeys = new Set<string>()
  private readonly pairSecrets = new Map<string, Uint8Array>()
  /** Each friend's grant as last checked ("addedAt:grant"): a grant is
   *  verified once, not at every refresh of the swarms. With 250 friends,
   *  250 signature checks ran each time a session opened or closed and kept
   *  the page busy for a second or more (see bench/systems/kith-scale.mjs). */
  private checkedGrants = new Map<string, string>()
  /** Friends' keys already found valid (see listenTopics). */
  private validFriendKeys = new Set<string>()
  private nextPairSecrets = new Map<string, Uint8Array>()
  private expiryTimer: ReturnType<typeof setTimeout> | null = null
  /** The key checkedGrants were checked against (a rotation changes it). */
  private checkedWith = ''
  private readonly grantSigning: GrantSigning

  constructor (private readonly opts: MeetingPlanOptions) {
    const { identity } = opts
    this.grantSigning = opts.grantSigning ?? { signer: () => identity.signing(), checkKey: () => identity.identityKey, olderKeys: () => [] }
  }

  /** Asked every time: the loader refuses once the node has stopped. */
  private async makers (): Promise<MeetingMakers> {
    this.makersLoaded = await this.opts.makers()
    return this.makersLoaded
  }

  /** The swarms to sit in during an epoch, each with what an offer into it
   *  must prove. */
  async listenTopics (epoch: number): Promise<Meeting[]> {
    const { addressMeeting, deviceMeeting, inviteMeeting, pairMeeting } = await this.makers()
    await this.refreshFriendKeys()
    const { identity } = this.opts
    const me = identity.identityKey
    const signing = identity.signing()
    // A stored key that needs no secret (written before keys were checked)
    // would give a pair swarm anyone can compute: never sit in one. Checked
    // once per key (a point multiplication each: 250 of them at every
    // refresh cost as much as the grants did, see checkedGrants).
    const valid = new Set([...this.friendKeys].filter((key) => this.isUsableKey(key)))
    this.validFriendKeys = valid
    const topics: Meeting[] = [...valid].map((key) => pairMeeting(this.pairSecretWith(key), epoch, me))
    // A friend not yet told of a revocation still uses the old secret; once
    // told, the new one. Both are listened in until then.
    for (const [key, next] of this.nextPairSecrets) if (this.friendKeys.has(key)) topics.push(pairMeeting(next, epoch, me))
    for (const [key, left] of await this.opts.leftMeetings?.() ?? []) {
      if (valid.has(key) && !bytesEqual(left, this.pairSecretWith(key))) topics.push(pairMeeting(left, epoch, me))
    }
    const now = Date.now()
    let nextExpiry = Infinity
    // Only a device that signs for the person makes friends (DESIGN §6a): a
    // server device, or after a rotation a full device without Sₙ, never
    // sits in an invite's swarm.
    const grantSigner = signing ? this.grantSigning.signer() : null
    const checkKey = this.grantSigning.checkKey()
    for (const invite of grantSigner ? await this.opts.invites.list() : []) {
      // Invites from before grants, granted over the token alone, or by a
      // signing key a rotation replaced: signed now.
      if (!isInviteGranted(checkKey, invite, invite.grant)) await this.opts.invites.setGrant(invite.id, grantInvite(grantSigner!, invite))
      if (invite.status === 'pending' && invite.expiresAt !== null && invite.expiresAt > now) nextExpiry = Math.min(nextExpiry, invite.expiresAt)
      const live = invite.status === 'pending' && (invite.expiresAt === null || invite.expiresAt > now)
      // A withdrawn or expired invite's swarm is left at once: the owner
      // withdraws a link because it went where it should not, and an answer
      // would tell its holder where the node is. A used one stays a while
      // (see USED_INVITE_REACHABLE_MS).
      // Not a use dated in the future (a wrong clock, or a device hoping to
      // keep the swarm open): no answer goes from there before its day.
      const usedAt = invite.usedAt ?? invite.createdAt
      const justUsed = invite.status === 'used' && usedAt <= now + CLOCK_SKEW_MS && now - usedAt < USED_INVITE_REACHABLE_MS
      if (live || justUsed) topics.push(inviteMeeting(invite.token, epoch, me))
    }
    this.watchExpiry(this.opts.isListening() ? nextExpiry : Infinity, now)
    // Offers there are sealed to the identity's own key: only a device that
    // holds it can open them.
    if (this.opts.discoverable() && signing) topics.push(addressMeeting(me, epoch))
    // Where my other devices reach this one, once there are others.
    const devicesSecret = this.opts.devicesSecret()
    if (devicesSecret) topics.push(deviceMeeting(devicesSecret, epoch, identity.credentials.device.publicKey))
    for (const left of await this.opts.leftDevicesSecrets?.() ?? []) {
      if (!devicesSecret || !bytesEqual(left, devicesSecret)) topics.push(deviceMeeting(left, epoch, identity.credentials.device.publicKey))
    }
    return topics
  }

  /** Where to look for someone: our pair swarm if they are a friend, the
   *  invite's swarm when redeeming one, else their address swarm. Call
   *  prepareDial() first. */
  meetingFor (remoteKey: Uint8Array, epoch: number, via: DialVia): Meeting {
    const { addressMeeting, inviteMeeting, pairMeeting } = this.makersLoaded!
    if (via.inviteToken) return inviteMeeting(via.inviteToken, epoch, remoteKey)
    const hex = toHex(remoteKey)
    return via.via === 'pair' || this.friendKeys.has(hex)
      ? pairMeeting(this.pairSecretWith(hex), epoch, remoteKey)
      : addressMeeting(remoteKey, epoch)
  }

  /** Before a dial: the meeting code loaded, the friends' secrets current. */
  async prepareDial (): Promise<void> {
    await this.makers()
    await this.refreshFriendKeys()
  }

  /** The meeting secrets I share with a friend: the current one first,
   *  then one replacing it until they have it; none for anyone else. */
  async secretsWith (friendHex: string): Promise<Uint8Array[]> {
    await this.refreshFriendKeys()
    // A stored key that needs no secret would make a secret anyone can compute.
    if (!this.friendKeys.has(friendHex) || !isValidSigningPublicKey(fromHex(friendHex))) return []
    const next = this.nextPairSecrets.get(friendHex)
    return [this.pairSecretWith(friendHex), ...(next ? [next] : [])]
  }

  /** Every friend's current meeting secret. */
  async everySecret (): Promise<Array<[string, Uint8Array]>> {
    await this.refreshFriendKeys()
    return [...this.friendKeys].filter((key) => isValidSigningPublicKey(fromHex(key))).map((key) => [key, this.pairSecretWith(key)])
  }

  stop (): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.expiryTimer = null
  }

  /** An invite's swarm is left when it expires, not at the next change. */
  private watchExpiry (nextExpiry: number, now: number): void {
    this.stop()
    if (nextExpiry === Infinity) return
    this.expiryTimer = setTimeout(() => { this.expiryTimer = null; this.opts.onInviteExpiry() }, Math.min(nextExpiry - now + 1, 2 ** 31 - 1))
  }

  private isUsableKey (keyHex: string): boolean {
    return this.validFriendKeys.has(keyHex) || isValidSigningPublicKey(fromHex(keyHex))
  }

  private pairSecretWith (keyHex: string): Uint8Array {
    let secret = this.pairSecrets.get(keyHex)
    if (!secret) {
      const signing = this.opts.identity.signing()
      if (!signing) throw new Error('This device has no meeting secret for this friend yet.')
      this.pairSecrets.set(keyHex, secret = pairSecret(signing.secretKey, fromHex(keyHex)))
    }
    return secret
  }

  private async refreshFriendKeys (): Promise<void> {
    const { friends, identity } = this.opts
    const signing = identity.signing()
    const grantSigner = signing ? this.grantSigning.signer() : null
    const checkKey = this.grantSigning.checkKey()
    if (toHex(checkKey) !== this.checkedWith) this.checkedGrants = new Map()
    this.checkedWith = toHex(checkKey)
    const older = this.grantSigning.olderKeys()
    const rows = await friends.list()
    const checked = new Map<string, string>()
    this.friendKeys = new Set(rows.map((f) => f.key))
    this.nextPairSecrets = new Map(rows.flatMap((f) => f.nextPairSecret ? [[f.key, f.nextPairSecret]] : []))
    for (const row of rows) {
      // Whether this pass changed the stored row (its mark is then read again).
      let wrote = false
      if (row.pairSecret) {
        this.pairSecrets.set(row.key, row.pairSecret)
      } else if (signing && this.isUsableKey(row.key)) {
        wrote = true
        // (A key that is not a real key has no pair secret: X25519 refuses it.)
        // Stored (and so synced) for my server devices, which cannot compute it.
        // Computed again, not taken from memory: a row whose secret was
        // forgotten (a thief's, after a rotation) must not get it back.
        this.pairSecrets.delete(row.key)
        await friends.setPairSecret(row.key, this.pairSecretWith(row.key))
      }
      // Secrets stored before they were signed: signed now, so my other devices take them.
      if (grantSigner && ((row.pairSecret && !row.pairSecretProof) || (row.nextPairSecret && !row.nextPairSecretProof))) {
        await friends.proveUnproven(row)
        wrote = true
      }
      // Friendships from before grants (or granted over the key alone, or by
      // a signing key a rotation replaced): signed now, so my other devices
      // take them; and my proofs of our meeting secrets that a replaced key
      // made, proved again (checked once per row, like the grant).
      if (grantSigner) {
        const mark = row.grant instanceof Uint8Array ? grantMark(row) : null
        if (mark !== null && this.checkedGrants.get(row.key) === mark) {
          checked.set(row.key, mark)
          continue
        }
        const granted = mark !== null && isFriendGranted(checkKey, row.key, row.addedAt, row.grant)
        if (!granted) await friends.setGrant(row.key, grantFriend(grantSigner, row.key, row.addedAt))
        const stale = (secret: Uint8Array, proof: { since: number, signature: Uint8Array }): boolean =>
          older.some((key) => isMeetingSecretProven(identity.identityKey, fromHex(row.key), secret, proof, key))
        const proveAgain = older.length > 0 &&
          ((row.pairSecretProof !== undefined && stale(row.pairSecret!, row.pairSecretProof)) || (row.nextPairSecretProof !== undefined && stale(row.nextPairSecret!, row.nextPairSecretProof)))
        if (proveAgain) await friends.proveUnproven(row, stale)
        // Remembered as stored now (a proof written in this pass is part of
        // the mark), so the next refresh does not check it all again.
        if (granted && !proveAgain) {
          const stored = wrote ? await friends.get(row.key) : row
          // Only if the grant checked is still the one stored (sync may have written meanwhile).
          if (stored?.grant instanceof Uint8Array && stored.addedAt === row.addedAt && bytesEqual(stored.grant, row.grant as Uint8Array)) checked.set(row.key, grantMark(stored))
        }
      }
    }
    // Only the current rows are remembered, so this stays as small as the list.
    this.checkedGrants = checked
    // A server device only sits where it knows the secret.
    if (!signing) this.friendKeys = new Set([...this.friendKeys].filter((key) => this.pairSecrets.has(key)))
  }
}

/** What a checked row is remembered by: a changed row (another device
 *  re-granted it or proved its secrets again, or sync brought another) is
 *  checked again. */
function grantMark (row: { addedAt: number, grant?: Uint8Array, pairSecretProof?: { signature: Uint8Array }, nextPairSecretProof?: { signature: Uint8Array } }): string {
  return `${row.addedAt}:${toHex(row.grant!)}:${row.pairSecretProof ? toHex(row.pairSecretProof.signature) : ''}:${row.nextPairSecretProof ? toHex(row.nextPairSecretProof.signature) : ''}`
}
