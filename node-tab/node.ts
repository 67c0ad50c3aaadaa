// The owner's server in a tab: the composition root. The parts (the
// person's identity and settings, the stores, where the node meets people,
// its sessions, the person's other devices, notices and hints, trackers and
// connection codes) live in their own modules and are built and joined in
// node-parts.ts and joined in node-wiring.ts; this class holds them, starts
// and stops them (node-lifecycle.ts), and exposes what the client needs (one
// identity per tab: the client UI dials friends through it too).
import type { DeviceCredentials } from '../shared/identity/device-credentials'
import type { Profile } from '../shared/protocol/protocol'
import { KithError } from '../shared/wire/errors'
import type { KithConfig } from './person/config'
import { followSyncedChanges } from './devices/follow-sync'
import { ReplayGuard } from './discovery/replay-guard'
import type { HandlerProvider } from './handlers/session-handlers'
import { NodeIdentity } from './identity/node-identity'
import { loadNetwork, type Network } from './network-loader'
import { buildNodeParts, type NodeOpenOptions, type NodeParts, type NodeStatus } from './node-parts'
import { wireParts, type RecoveryAsked, type WiredParts } from './node-wiring'
import { afterIdentityChecks, closeParts, loadParts } from './node-lifecycle'
import { PersonSettings } from './person/person-settings'
import { resetRelays, saveConfig } from './person/config-changes'
import { saveReplays } from './rendezvous/saved-replays'
import { NodeDatabase } from './storage/db'
import { loadOrCreateIdentity, type StoredIdentity } from './storage/identity-store'
import { DeviceRevokedError, revokedWords } from './devices/revoked-here'

export type { NodeSession } from './connections/sessions'
export type { DialVia } from './rendezvous/meeting-plan'
export type { HandlerProvider } from './handlers/session-handlers'
export type { NodeOpenOptions, NodeStatus } from './node-parts'

/** The parts the client and tests reach as they are (node-parts.ts says what each is). */
type ExposedParts = Readonly<Pick<NodeParts, 'items' | 'friends' | 'invites' | 'notices' | 'devices' | 'rotations' |
'trackerDirectory' | 'relayDirectory' | 'plan' | 'connections' | 'ownDevices' | 'listener' | 'codes' | 'noticeSender' | 'hints' | 'mailbox'>>
// Declared here, set in the constructor from the parts (declaration merging).
export interface KithNode extends ExposedParts {}

export class KithNode extends EventTarget {
  /** The person, and this device's part in it. */
  readonly me: NodeIdentity
  readonly identityKey: Uint8Array
  readonly keyHex: string
  readonly address: string
  readonly credentials: DeviceCredentials
  /** Which offers were already answered: outlives listener restarts and reloads. */
  readonly replays = new ReplayGuard()
  /** After a rotation: everyone meets this device again, to hear of it in a hello. */
  private readonly meetAgain: NodeParts['meetAgain']
  private readonly handlerProviders: HandlerProvider[] = []
  private readonly wired: WiredParts
  private loadedNetwork: Network | null = null
  private closed = false
  private rejectRevoked: (err: Error) => void = () => {}
  /** Rejects, in words for the owner, once another of my devices tells this
   *  one it was revoked; the node then stops (devices/revoked-here.ts). */
  readonly revoked: Promise<never> = new Promise<never>((_resolve, reject) => { this.rejectRevoked = reject })

  private constructor (readonly db: NodeDatabase, identity: StoredIdentity, readonly settings: PersonSettings, opts: NodeOpenOptions) {
    super()
    this.revoked.catch(() => { /* for whoever waits on it (the page) */ })
    this.me = new NodeIdentity(identity, {
      afterChecks: () => afterIdentityChecks(this.me, db, this),
      onVerified: () => this.changed(),
      onFailure: () => { if (!this.closed) this.close() }
    })
    ;({ identityKey: this.identityKey, keyHex: this.keyHex, address: this.address, credentials: this.credentials } = this.me)
    saveReplays(db, this.replays, () => this.closed)
    const parts = buildNodeParts({
      db,
      me: this.me,
      settings,
      replays: this.replays,
      network: () => this.network(),
      loadedNetwork: () => this.loadedNetwork!,
      providers: this.handlerProviders,
      changed: () => this.changed(),
      followSynced: (changes) => {
        if (this.closed) return
        followSyncedChanges(this, changes).catch((err: unknown) => {
          // Closing: the database went away mid-way, and nothing is left to follow.
          if (!this.closed) console.warn('[kith] could not follow changes from another device:', err)
        })
      },
      revokedHere: (note) => {
        // Refused for good: nothing more is served or synced from here, and
        // the page says why (client/boot/start-node.ts).
        this.rejectRevoked(new DeviceRevokedError(revokedWords(note)))
        setTimeout(() => { if (!this.closed) this.close() }, 0)
      },
      deviceRevoked: (deviceKey) => {
        this.noticeSender.kick()
        this.dispatchEvent(new CustomEvent('device-revoked', { detail: { deviceKey } }))
        this.changed()
      },
      incomingLimits: opts.incomingLimits,
      sessionLimits: opts.sessionLimits
    })
    const { meetAgain, ...exposed } = parts
    Object.assign(this, exposed)
    this.meetAgain = meetAgain
    const recoveryAsked = (detail: RecoveryAsked): void => { this.dispatchEvent(new CustomEvent('recovery-asked', { detail })) }
    this.wired = wireParts(parts, () => this.changed(), { db, loadedNetwork: () => this.loadedNetwork!, recoveryAsked })
    // Friends, invites and devices decide which swarms to sit in; follow their changes.
    this.addEventListener('change', () => this.listener.refreshSoon())
  }

  static async open (opts: NodeOpenOptions = {}): Promise<KithNode> {
    const db = opts.db ?? new NodeDatabase()
    const identity = await loadOrCreateIdentity(db)
    const node = new KithNode(db, identity, await PersonSettings.load(db, opts.hostConfig), opts)
    await loadParts(db, node.replays, node)
    return node
  }

  get sessions (): NodeParts['connections']['sessions'] { return this.connections.sessions }
  get deviceSessions (): NodeParts['connections']['deviceSessions'] { return this.connections.deviceSessions }
  get deviceSync (): NodeParts['ownDevices']['sync'] { return this.ownDevices.sync }
  get incoming (): NodeParts['connections']['incoming'] { return this.connections.incoming }
  get sendBudget (): NodeParts['connections']['sendBudget'] { return this.connections.sendBudget }
  get failure (): Error | null { return this.me.failure }
  get role (): 'full' | 'server' { return this.me.role }
  get profile (): Profile { return this.settings.profile(this.address) }
  get currentConfig (): KithConfig { return this.settings.current }
  get rtcConfig (): RTCConfiguration { return this.settings.rtcConfig }
  get discoverable (): boolean { return this.settings.discoverable }
  get lastRejected (): string | null { return this.connections.lastRejected }
  /** A friendship was just made over an open session (an invite accepted):
   *  ask them now what a session with a friend asks when it opens. */
  friendJoined (keyHex: string): void { this.wired.friendJoined(keyHex) }
  /** The trackers to use, in order: remembered good ones, mine, friends'. */
  get trackerUrls (): string[] { return this.trackerDirectory.urls() }
  get isListening (): boolean { return this.listener.isListening }
  /** Settles once the last startListening() has started the listener (or could not). */
  get listening (): Promise<void> { return this.listener.started }

  /** The identity's checks, before anything listens, dials, signs or answers. */
  verify (): Promise<void> { return this.me.verify() }
  status (): NodeStatus { return { trackers: this.listener.status(), relays: this.listener.relayStatus(), peers: this.sessions.size, devices: this.ownDevices.phrase() } }
  registerHandlers (provider: HandlerProvider): void { this.handlerProviders.push(provider) }
  async setDisplayName (input: string): Promise<void> { await this.settings.setDisplayName(input); this.changed() }
  async setDiscoverable (on: boolean): Promise<void> { await this.settings.setDiscoverable(on, this.me); this.changed() }
  /** When my recovery words were set up (my recovery record's time), or null. */
  async recoverySince (): Promise<number | null> { return (await import('./person/recovery')).recoveryRecordSince(this.db) }
  /** Makes my recovery record from R's public half (a full device, once);
   *  friends take it the next time they meet any of my devices. */
  async setUpRecovery (recoveryKey: Uint8Array): Promise<void> {
    await (await import('./person/recovery')).setUpRecovery(this.db, this.me.signing(), recoveryKey)
    await this.rotations.load()
    this.changed()
  }
  /** Someone else has one of my devices: with my 12 words, a new signing
   *  key for me, these devices kept and re-certified by it, those revoked
   *  (docs/security.md, "Recovery key and rotation"). */
  async rotate (words: string | readonly string[], choice: { keep: readonly string[], revoke: readonly string[] }): Promise<void> {
    await (await import('./devices/rotate')).rotate({ me: this.me, devices: this.devices, rotations: this.rotations, ownDevices: this.ownDevices, meetAgain: this.meetAgain }, words, choice)
    this.changed()
  }
  startListening (): void { this.listener.start() }
  stopListening (): void { this.listener.stop() }
  readonly listenTopics: NodeParts['plan']['listenTopics'] = (epoch) => this.plan.listenTopics(epoch)
  readonly connect: NodeParts['connections']['connect'] = (key, opts) => this.connections.connect(key, opts)
  readonly getSession: NodeParts['connections']['getSession'] = (key, opts) => this.connections.getSession(key, opts)
  readonly makeConnectionCode: NodeParts['codes']['make'] = (friendHex) => this.codes.make(friendHex)
  readonly answerConnectionCode: NodeParts['codes']['answer'] = (friendHex, code) => this.codes.answer(friendHex, code)
  readonly completeConnection: NodeParts['codes']['complete'] = (friendHex, answerCode) => this.codes.complete(friendHex, answerCode)
  readonly openLinkCode: NodeParts['ownDevices']['openLinkCode'] = (input, signal) => this.ownDevices.openLinkCode(input, signal)
  readonly revokeDevice: NodeParts['ownDevices']['revoke'] = (deviceHex) => this.ownDevices.revoke(deviceHex)
  readonly renameThisDevice: NodeParts['ownDevices']['renameThisDevice'] = (name) => this.ownDevices.renameThisDevice(name)

  /** Saves trackers/ICE servers chosen by the owner and restarts discovery. */
  async saveConfig (overrides: Partial<KithConfig>): Promise<void> { await saveConfig(this.settings, this, overrides); this.changed() }
  /** The owner's relay list goes: the host's (or the defaults) apply again. */
  async resetRelays (): Promise<void> { await resetRelays(this.settings, this); this.changed() }

  /** Ends a friendship: access ends now, open sessions close, and their
   *  cached copies of my items are asked to be deleted. */
  async removeFriend (keyHex: string): Promise<void> {
    await this.friends.remove(keyHex)
    this.sessions.closeAll(keyHex, 'you are no longer friends')
    this.noticeSender.kick(keyHex)
    this.changed()
  }

  /** Call after any change that may have created delete notices. */
  noticesMayHaveChanged (): void { this.noticeSender.kick(); this.changed() }

  close (): void {
    this.closed = true
    closeParts(this)
    this.db.close()
  }

  changed (): void { this.dispatchEvent(new Event('change')) }

  /** The network code, loaded once for the whole tab: never before the
   *  stored keys are checked, nor after the node stopped. */
  private async network (): Promise<Network> {
    await this.me.verify()
    if (this.closed) throw new KithError('CLOSED', 'This node has stopped.')
    return (this.loadedNetwork ??= await loadNetwork())
  }
}
