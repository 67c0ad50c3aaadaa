// The owner's server in a tab: the composition root. The parts (the
// person's identity and settings, the stores, where the node meets people,
// its sessions, the person's other devices, notices and hints, trackers and
// connection codes) live in their own modules and are built in two halves:
// the storage half (node-parts.ts) as the node opens, the serving half
// (node-serving.ts, joined in node-wiring.ts, loaded by serving-half.ts) with
// import(), at once or, for the app's first screen, once something listens,
// dials or asks for it. What the parts need of the node is node-hooks.ts.
// This class holds them, starts and stops them (node-lifecycle.ts), and
// exposes what the client needs (one identity per tab: the client UI dials
// friends through it too).
import type { DeviceCredentials } from '../shared/identity/device-credentials'
import type { Profile } from '../shared/protocol/protocol'
import type { KithConfig } from './person/config'
import { ReplayGuard } from './discovery/replay-guard'
import type { HandlerProvider } from './handlers/session-handlers'
import { NodeIdentity } from './identity/node-identity'
import { buildStorageParts, type NodeOpenOptions, type NodeStatus, type StorageParts } from './node-parts'
import { nodeHooks } from './node-hooks'
import type { NodeParts, ServingParts } from './node-serving'
import { afterIdentityChecks, closeParts, loadParts } from './node-lifecycle'
import { ServingHalf } from './serving-half'
import { PersonSettings } from './person/person-settings'
import { resetRelays, saveConfig } from './person/config-changes'
import { saveReplays } from './rendezvous/saved-replays'
import { NodeDatabase } from './storage/db'
import { loadOrCreateIdentity, type StoredIdentity } from './storage/identity-store'

export type { NodeSession } from './connections/sessions'
export type { DialVia } from './rendezvous/meeting-plan'
export type { HandlerProvider } from './handlers/session-handlers'
export type { NodeOpenOptions, NodeStatus } from './node-parts'

/** The parts the client and tests reach as they are (node-parts.ts and
 *  node-serving.ts say what each is). The serving half's (from `plan` on)
 *  are set once it has loaded: at once by `open()`, or with
 *  `servingLater` once `serving()` has resolved. */
type ExposedParts = Readonly<Pick<NodeParts, 'items' | 'friends' | 'invites' | 'notices' | 'devices' | 'rotations' |
'trackerDirectory' | 'relayDirectory' | 'mailbox' | 'plan' | 'connections' | 'ownDevices' | 'listener' | 'codes' | 'noticeSender' | 'hints'>>
// Declared here, set from the parts (declaration merging).
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
  private readonly handlerProviders: HandlerProvider[] = []
  private readonly storage: StorageParts
  private readonly servingHalf: ServingHalf
  private closed = false
  private rejectRevoked: (err: Error) => void = () => {}
  /** Rejects, in words for the owner, once another of my devices tells this
   *  one it was revoked; the node then stops (devices/revoked-here.ts). */
  readonly revoked: Promise<never> = new Promise<never>((_resolve, reject) => { this.rejectRevoked = reject })

  private constructor (readonly db: NodeDatabase, identity: StoredIdentity, readonly settings: PersonSettings, opts: NodeOpenOptions) {
    super()
    this.revoked.catch(() => { /* for whoever waits on it (the page) */ })
    this.me = new NodeIdentity(identity, {
      // My other devices are counted as the checks pass: the serving half first.
      afterChecks: async () => afterIdentityChecks(this.me, db, { devices: this.devices, rotations: this.rotations, ownDevices: (await this.serving()).ownDevices }),
      onVerified: () => this.changed(),
      onFailure: () => { if (!this.closed) this.close() }
    })
    ;({ identityKey: this.identityKey, keyHex: this.keyHex, address: this.address, credentials: this.credentials } = this.me)
    saveReplays(db, this.replays, () => this.closed)
    const hooks = nodeHooks(this, { serving: () => this.servingHalf, providers: this.handlerProviders, closed: () => this.closed, revokedHere: (err) => this.rejectRevoked(err) }, opts)
    this.storage = buildStorageParts(hooks)
    const { registries: _registries, ...exposed } = this.storage
    Object.assign(this, exposed)
    this.servingHalf = new ServingHalf({
      hooks,
      storage: this.storage,
      closed: () => this.closed,
      recoveryAsked: (detail) => { this.dispatchEvent(new CustomEvent('recovery-asked', { detail })) },
      expose: (parts) => Object.assign(this, parts),
      loaded: () => this.changed() // the status now has its trackers and devices to tell
    })
    // Friends, invites and devices decide which swarms to sit in; follow their changes.
    this.addEventListener('change', () => this.servingParts?.listener.refreshSoon())
  }

  static async open (opts: NodeOpenOptions = {}): Promise<KithNode> {
    const db = opts.db ?? new NodeDatabase()
    const identity = await loadOrCreateIdentity(db)
    const node = new KithNode(db, identity, await PersonSettings.load(db, opts.hostConfig), opts)
    await loadParts(db, node.replays, node.storage)
    if (!opts.servingLater) await node.serving()
    return node
  }

  /** The serving half (node-serving.ts), loaded once; its parts are set on
   *  the node when this resolves. Refused once the node has stopped. */
  serving (): Promise<ServingParts> { return this.servingHalf.load() }
  private get servingParts (): ServingParts | null { return this.servingHalf.parts }

  get sessions (): NodeParts['connections']['sessions'] { return this.storage.registries.sessions }
  get deviceSessions (): NodeParts['connections']['deviceSessions'] { return this.storage.registries.deviceSessions }
  get deviceSync (): NodeParts['ownDevices']['sync'] { return this.ownDevices.sync }
  get incoming (): NodeParts['connections']['incoming'] { return this.connections.incoming }
  get sendBudget (): NodeParts['connections']['sendBudget'] { return this.connections.sendBudget }
  get failure (): Error | null { return this.me.failure }
  get role (): 'full' | 'server' { return this.me.role }
  get profile (): Profile { return this.settings.profile(this.address) }
  get currentConfig (): KithConfig { return this.settings.current }
  get rtcConfig (): RTCConfiguration { return this.settings.rtcConfig }
  get discoverable (): boolean { return this.settings.discoverable }
  get lastRejected (): string | null { return this.servingParts?.connections.lastRejected ?? null }
  /** A friendship was just made over an open session (an invite accepted):
   *  ask them now what a session with a friend asks when it opens. */
  friendJoined (keyHex: string): void { this.servingParts?.wired.friendJoined(keyHex) }
  /** The trackers to use, in order: remembered good ones, mine, friends'. */
  get trackerUrls (): string[] { return this.trackerDirectory.urls() }
  get isListening (): boolean { return this.servingParts?.listener.isListening ?? false }
  /** Settles once the last startListening() has started the listener (or could not). */
  get listening (): Promise<void> { return this.serving().then((s) => s.listener.started, () => {}) }

  /** The identity's checks, before anything listens, dials, signs or answers. */
  verify (): Promise<void> { return this.me.verify() }
  /** Before the serving half loads: nothing listening yet, and my other
   *  devices not counted yet (as before the identity's checks). */
  status (): NodeStatus {
    const s = this.servingParts
    return { trackers: s?.listener.status() ?? [], relays: s?.listener.relayStatus() ?? [], peers: this.sessions.size, devices: s?.ownDevices.phrase() ?? 'no other devices' }
  }
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
    const { ownDevices, meetAgain } = await this.serving()
    await (await import('./devices/rotate')).rotate({ me: this.me, devices: this.devices, rotations: this.rotations, ownDevices, meetAgain }, words, choice)
    this.changed()
  }
  /** Starts listening once the serving half has loaded (at once if it has). */
  startListening (): void {
    if (this.servingParts) { this.servingParts.listener.start(); return }
    this.serving().then((s) => { if (!this.closed) s.listener.start() }, (err: unknown) => {
      if (!this.closed) console.warn('[kith] the node could not start serving:', err)
    })
  }
  stopListening (): void { this.servingParts?.listener.stop() }
  readonly listenTopics: NodeParts['plan']['listenTopics'] = async (epoch) => (await this.serving()).plan.listenTopics(epoch)
  readonly connect: NodeParts['connections']['connect'] = async (key, opts) => (await this.serving()).connections.connect(key, opts)
  readonly getSession: NodeParts['connections']['getSession'] = async (key, opts) => (await this.serving()).connections.getSession(key, opts)
  readonly makeConnectionCode: NodeParts['codes']['make'] = async (friendHex) => (await this.serving()).codes.make(friendHex)
  readonly answerConnectionCode: NodeParts['codes']['answer'] = async (friendHex, code) => (await this.serving()).codes.answer(friendHex, code)
  readonly completeConnection: NodeParts['codes']['complete'] = async (friendHex, answerCode) => (await this.serving()).codes.complete(friendHex, answerCode)
  readonly openLinkCode: NodeParts['ownDevices']['openLinkCode'] = async (input, signal) => (await this.serving()).ownDevices.openLinkCode(input, signal)
  readonly revokeDevice: NodeParts['ownDevices']['revoke'] = async (deviceHex) => (await this.serving()).ownDevices.revoke(deviceHex)
  readonly renameThisDevice: NodeParts['ownDevices']['renameThisDevice'] = async (name) => (await this.serving()).ownDevices.renameThisDevice(name)

  /** Saves trackers/ICE servers chosen by the owner and restarts discovery. */
  async saveConfig (overrides: Partial<KithConfig>): Promise<void> { await this.serving(); await saveConfig(this.settings, this, overrides); this.changed() }
  /** The owner's relay list goes: the host's (or the defaults) apply again. */
  async resetRelays (): Promise<void> { await this.serving(); await resetRelays(this.settings, this); this.changed() }

  /** Ends a friendship: access ends now, open sessions close, and their
   *  cached copies of my items are asked to be deleted. */
  async removeFriend (keyHex: string): Promise<void> {
    await this.friends.remove(keyHex)
    this.sessions.closeAll(keyHex, 'you are no longer friends')
    this.afterServing((s) => s.noticeSender.kick(keyHex))
    this.changed()
  }

  /** Call after any change that may have created delete notices. */
  noticesMayHaveChanged (): void { this.afterServing((s) => s.noticeSender.kick()); this.changed() }

  /** Items changed that friends online may see: hint them (once serving). */
  itemsChanged (itemIds: string[]): void { this.afterServing((s) => s.hints.itemsChanged(itemIds)) }
  /** These friends may see more than before: hint them (once serving). */
  friendsMaySeeMore (friendKeys: string[]): void { this.afterServing((s) => s.hints.friendsMaySeeMore(friendKeys)) }

  private afterServing (then: (parts: ServingParts) => void): void { this.servingHalf.after(then) }

  close (): void {
    this.closed = true
    closeParts(this.storage, this.servingParts)
    this.db.close()
  }

  changed (): void { this.dispatchEvent(new Event('change')) }
}
