// The owner's server in a tab: identity, settings, stores, the listener that
// answers sealed offers, and the authenticated sessions it serves. The client
// UI uses the same node to dial friends (one identity per tab).
import { fromHex, toHex } from '../shared/bytes'
import { addressFromPublicKey, type Identity } from '../shared/identity'
import { normalizeDisplayName, type NodeMethods, type Profile } from '../shared/protocol'
import type { RpcHandlers } from '../shared/rpc'
import { establishSession } from '../shared/session'
import { HandshakeError } from '../shared/handshake'
import type { Transport } from '../shared/transport'
import { fetchHostConfig, mergeConfig, parseConfig, type KithConfig } from './config'
import { dial, type DialPhase } from './discovery/dialer'
import { Listener } from './discovery/listener'
import type { TrackerStatus } from './discovery/tracker-client'
import { basicHandlers } from './handlers/basic'
import { inviteHandlers } from './handlers/invites'
import { itemHandlers } from './handlers/items'
import { NoticeSender } from './notices/notice-sender'
import { NoticesStore } from './notices/notices-store'
import { DialSlots } from './dial-slots'
import { SessionRegistry, type NodeSession } from './sessions'
import { NodeDatabase } from './storage/db'
import { FriendsStore } from './storage/friends-store'
import { loadOrCreateIdentity } from './storage/identity-store'
import { InvitesStore } from './storage/invites-store'
import { ItemsStore } from './storage/items-store'

export type { NodeSession } from './sessions'

export interface NodeStatus {
  trackers: TrackerStatus[]
  /** Authenticated sessions open right now (both directions). */
  peers: number
}

/** Extra RPC methods served by other parts of the app (e.g. the client's
 *  cache answers delete notices), built per authenticated peer. */
export type HandlerProvider = (remoteKeyHex: string) => Partial<RpcHandlers<NodeMethods>>

const PROFILE_KEY = 'profile.displayName'
const CONFIG_KEY = 'config.overrides'

export class KithNode extends EventTarget {
  readonly identity: Identity
  readonly address: string
  readonly keyHex: string
  readonly items: ItemsStore
  readonly friends: FriendsStore
  readonly invites: InvitesStore
  readonly notices: NoticesStore
  readonly sessions = new SessionRegistry()
  readonly noticeSender: NoticeSender
  private displayName: string
  private config: KithConfig
  private listener: Listener | null = null
  private readonly handlerProviders: HandlerProvider[] = []
  private readonly backgroundDials = new DialSlots(6)
  /** Handshake failures of incoming connections, for the owner to see. */
  lastRejected: string | null = null

  private constructor (readonly db: NodeDatabase, identity: Identity, displayName: string, config: KithConfig) {
    super()
    this.identity = identity
    this.address = addressFromPublicKey(identity.publicKey)
    this.keyHex = toHex(identity.publicKey)
    this.displayName = displayName
    this.config = config
    this.items = new ItemsStore(db)
    this.friends = new FriendsStore(db)
    this.invites = new InvitesStore(db, this.friends)
    this.notices = new NoticesStore(db)
    this.noticeSender = new NoticeSender({
      store: this.notices,
      getSession: (friendKey, signal) => {
        const open = this.sessions.get(friendKey)
        if (open) return Promise.resolve(open)
        return this.backgroundDials.run(() => this.getSession(fromHex(friendKey), signal), signal)
      }
    })
    this.noticeSender.addEventListener('acknowledged', () => this.changed())
    this.sessions.addEventListener('opened', (ev) => {
      this.noticeSender.kick((ev as CustomEvent<string>).detail)
      this.changed()
    })
    this.sessions.addEventListener('closed', () => this.changed())
  }

  static async open (opts: { db?: NodeDatabase, hostConfig?: Partial<KithConfig> } = {}): Promise<KithNode> {
    const db = opts.db ?? new NodeDatabase()
    const identity = await loadOrCreateIdentity(db)
    const displayName = (await db.getSetting(PROFILE_KEY, (v): v is string => typeof v === 'string')) ?? ''
    const saved = await db.getSetting(CONFIG_KEY, (v): v is unknown => v !== undefined)
    let overrides: Partial<KithConfig> = {}
    try { overrides = saved ? parseConfig(saved) : {} } catch { /* a broken saved setting falls back */ }
    const host = opts.hostConfig ?? await fetchHostConfig()
    return new KithNode(db, identity, displayName, mergeConfig(host, overrides))
  }

  get profile (): Profile {
    return { displayName: this.displayName, address: this.address }
  }

  get currentConfig (): KithConfig {
    return this.config
  }

  get rtcConfig (): RTCConfiguration {
    return { iceServers: this.config.iceServers }
  }

  status (): NodeStatus {
    return { trackers: this.listener?.status() ?? [], peers: this.sessions.size }
  }

  registerHandlers (provider: HandlerProvider): void {
    this.handlerProviders.push(provider)
  }

  async setDisplayName (input: string): Promise<void> {
    const name = normalizeDisplayName(input)
    await this.db.putSetting(PROFILE_KEY, name)
    this.displayName = name
    this.changed()
  }

  /** Saves trackers/ICE servers chosen by the owner and restarts discovery. */
  async saveConfig (overrides: Partial<KithConfig>): Promise<void> {
    const checked = parseConfig(overrides)
    await this.db.putSetting(CONFIG_KEY, checked)
    this.config = mergeConfig({ trackers: this.config.trackers, iceServers: this.config.iceServers }, checked)
    if (this.listener) {
      this.stopListening()
      this.startListening()
    }
    this.changed()
  }

  startListening (): void {
    if (this.listener) return
    this.listener = new Listener({
      identity: this.identity,
      trackers: this.config.trackers,
      rtcConfig: this.rtcConfig,
      onTransport: (transport) => { void this.accept(transport) },
      onStatus: () => this.changed()
    })
    this.listener.start()
    this.noticeSender.start()
  }

  stopListening (): void {
    this.listener?.stop()
    this.listener = null
  }

  /** Finds a person by key and opens a new authenticated session with them. */
  async connect (remoteKey: Uint8Array, opts: { signal?: AbortSignal, onPhase?: (phase: DialPhase | 'authenticating') => void } = {}): Promise<NodeSession> {
    const transport = await dial({
      remoteKey,
      trackers: this.config.trackers,
      rtcConfig: this.rtcConfig,
      signal: opts.signal,
      onPhase: (phase) => opts.onPhase?.(phase)
    })
    opts.onPhase?.('authenticating')
    return this.startSession(transport, remoteKey)
  }

  /** A live session with this person: an open one if any, else dial. */
  async getSession (remoteKey: Uint8Array, signal?: AbortSignal): Promise<NodeSession> {
    return this.sessions.get(toHex(remoteKey)) ?? this.connect(remoteKey, { signal })
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

  private async accept (transport: Transport): Promise<void> {
    try {
      await this.startSession(transport)
    } catch (err) {
      if (err instanceof HandshakeError) {
        this.lastRejected = err.message
        this.changed()
      }
    }
  }

  private async startSession (transport: Transport, expectedRemoteKey?: Uint8Array): Promise<NodeSession> {
    const session = await establishSession<NodeMethods, NodeMethods>(transport, {
      identity: this.identity,
      expectedRemoteKey,
      handlers: (remoteKey) => this.handlersFor(remoteKey)
    })
    this.sessions.add(toHex(session.remotePublicKey), session)
    return session
  }

  private handlersFor (remoteKey: Uint8Array): Partial<RpcHandlers<NodeMethods>> {
    const remoteHex = toHex(remoteKey)
    const invite = inviteHandlers(this.invites, remoteKey, () => this.profile)
    const handlers: Partial<RpcHandlers<NodeMethods>> = {
      ...basicHandlers(() => this.profile),
      ...itemHandlers(this.items, remoteHex),
      // A new friend appears in the owner's list at once.
      redeemInvite: async (params, ctx) => {
        const result = await invite.redeemInvite(params, ctx)
        this.changed()
        return result
      }
    }
    for (const provider of this.handlerProviders) Object.assign(handlers, provider(remoteHex))
    return handlers
  }

  close (): void {
    this.stopListening()
    this.noticeSender.stop()
    this.sessions.closeEverything('the node is shutting down')
    this.db.close()
  }

  changed (): void {
    this.dispatchEvent(new Event('change'))
  }
}
