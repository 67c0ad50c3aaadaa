// The owner's server in a tab: the composition root. The parts (the
// person's identity and settings, the stores, where the node meets people,
// its sessions, the person's other devices, notices and hints, trackers and
// connection codes) live in their own modules and are built and joined in
// node-parts.ts; this class holds them, wires the events that cross between
// them, and exposes what the client needs (one identity per tab: the client
// UI dials friends through it too).
import type { DeviceCredentials } from '../shared/identity/device-credentials'
import type { Profile } from '../shared/protocol/protocol'
import { KithError } from '../shared/wire/errors'
import type { KithConfig } from './person/config'
import { followSyncedChanges } from './devices/follow-sync'
import { ReplayGuard } from './discovery/replay-guard'
import type { HandlerProvider } from './handlers/session-handlers'
import { NodeIdentity } from './identity/node-identity'
import { loadNetwork, type Network } from './network-loader'
import { buildNodeParts, wireParts, type NodeOpenOptions, type NodeParts, type NodeStatus, type WiredParts } from './node-parts'
import { PersonSettings } from './person/person-settings'
import { restoreReplays, saveReplays } from './rendezvous/saved-replays'
import { NodeDatabase } from './storage/db'
import { hasUnsignedSettings } from './storage/signed-settings'
import { loadOrCreateIdentity, type StoredIdentity } from './storage/identity-store'
import { DeviceRevokedError, revokedBefore, revokedWords } from './devices/revoked-here'

export type { NodeSession } from './connections/sessions'
export type { DialVia } from './rendezvous/meeting-plan'
export type { HandlerProvider } from './handlers/session-handlers'
export type { NodeOpenOptions, NodeStatus } from './node-parts'

export class KithNode extends EventTarget {
  /** The person, and this device's part in it. */
  readonly me: NodeIdentity
  readonly identityKey: Uint8Array
  readonly keyHex: string
  readonly address: string
  readonly credentials: DeviceCredentials
  /** Which offers were already answered: outlives listener restarts and reloads. */
  readonly replays = new ReplayGuard()
  readonly items: NodeParts['items']
  readonly friends: NodeParts['friends']
  readonly invites: NodeParts['invites']
  readonly notices: NodeParts['notices']
  readonly devices: NodeParts['devices']
  /** The rotations followed: mine and my friends'. */
  readonly rotations: NodeParts['rotations']
  /** Trackers beyond the configured ones: remembered, shared by friends; and which relay. */
  readonly trackerDirectory: NodeParts['trackerDirectory']
  /** The relays in use: the configured ones, then friends' (none while off). */
  readonly relayDirectory: NodeParts['relayDirectory']
  /** Which swarms to sit in, and where to look for someone. */
  readonly plan: NodeParts['plan']
  /** Dialling, accepting, the handshake and the open sessions. */
  readonly connections: NodeParts['connections']
  /** My other devices: links, sync, linking, revocation. */
  readonly ownDevices: NodeParts['ownDevices']
  readonly listener: NodeParts['listener']
  readonly codes: NodeParts['codes']
  readonly noticeSender: NodeParts['noticeSender']
  /** Tells online friends who may see a changed item that something changed. */
  readonly hints: NodeParts['hints']
  /** The blind mailbox on relays (node-tab/mailbox). */
  readonly mailbox: NodeParts['mailbox']
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
      afterChecks: async () => {
        await this.devices.load(); await this.ownDevices.refreshCount()
        // Revoked earlier (told before a reload or a restart): a server
        // device stays stopped. A full device does not stop itself: it may
        // be the one the person rotates from (see node-parts.ts).
        const revoked = this.me.role === 'server' ? await revokedBefore({ identityKey: this.identityKey, deviceHex: this.me.deviceHex, db, devices: this.devices }) : null
        if (revoked) throw revoked
        // Values saved before settings were signed: signed now, so my other devices take them.
        if (this.me.holdsSigningKey && await hasUnsignedSettings(db)) await (await import('./storage/signed-setting-writes')).signUnsignedSettings(db, this.me.signing()!)
        await this.rotations.load()
      },
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
    ;({ items: this.items, friends: this.friends, invites: this.invites, notices: this.notices, devices: this.devices, rotations: this.rotations } = parts)
    ;({ trackerDirectory: this.trackerDirectory, relayDirectory: this.relayDirectory, plan: this.plan, connections: this.connections, ownDevices: this.ownDevices } = parts)
    ;({ listener: this.listener, codes: this.codes, noticeSender: this.noticeSender, hints: this.hints, mailbox: this.mailbox, meetAgain: this.meetAgain } = parts)
    this.wired = wireParts(parts, () => this.changed(), {
      db,
      loadedNetwork: () => this.loadedNetwork!,
      recoveryAsked: (detail) => this.dispatchEvent(new CustomEvent('recovery-asked', { detail }))
    })
    // Friends, invites and devices decide which swarms to sit in; follow their changes.
    this.addEventListener('change', () => this.listener.refreshSoon())
  }

  static async open (opts: NodeOpenOptions = {}): Promise<KithNode> {
    const db = opts.db ?? new NodeDatabase()
    const identity = await loadOrCreateIdentity(db)
    const node = new KithNode(db, identity, await PersonSettings.load(db, opts.hostConfig), opts)
    await node.trackerDirectory.load()
    await node.relayDirectory.load()
    await restoreReplays(db, node.replays)
    await node.ownDevices.load()
    // Pieces of a file whose save was cut short (a crash, a closed tab).
    await node.items.removeOrphanChunks().catch(() => { /* tried again next time */ })
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
  async saveConfig (overrides: Partial<KithConfig>): Promise<void> {
    const change = await this.settings.saveConfig(overrides)
    if (change.trackers) this.trackerDirectory.configured(change.trackers)
    // Connections made before the owner chose to hide their address carry
    // it: close them, so every friend reconnects through the relay. So do
    // connection codes still waiting for an answer (made to connect by any path).
    if (change.hidingNow) {
      this.sessions.closeEverything('reconnecting through the relay')
      this.codes.withdraw()
    }
    this.listener.restart()
    this.changed()
  }

  /** The owner's relay list goes: the host's (or the defaults) apply again. */
  async resetRelays (): Promise<void> {
    await this.settings.resetRelays()
    this.listener.restart()
    this.changed()
  }

  /** Ends a friendship: access ends now, open sessions close, and their
   *  cached copies of my items are asked to be deleted. */
  async removeFriend (keyHex: string): Promise<void> {
    await this.friends.remove(keyHex)
    this.sessions.closeAll(keyHex, 'you are no longer friends')
    this.noticeSender.kick(keyHex)
    this.changed()
  }

  /** Call after any change that may have created delete notices. */
  noticesMayHaveChanged (): void {
    this.noticeSender.kick()
    this.changed()
  }

  close (): void {
    this.closed = true
    this.plan.stop()
    this.listener.stop()
    this.codes.close()
    this.noticeSender.stop()
    this.hints.stop()
    this.mailbox.close()
    this.ownDevices.close()
    this.connections.closeEverything('the node is shutting down')
    this.db.close()
  }

  changed (): void {
    this.dispatchEvent(new Event('change'))
  }

  /** The network code, loaded once for the whole tab: never before the
   *  stored keys are checked, nor after the node stopped. */
  private async network (): Promise<Network> {
    await this.me.verify()
    if (this.closed) throw new KithError('CLOSED', 'This node has stopped.')
    return (this.loadedNetwork ??= await loadNetwork())
  }
}
