// The owner's server in a tab: identity, settings, the listener that answers
// sealed offers, and the authenticated sessions it serves. The client UI uses
// the same node to dial friends (one identity per tab).
import { addressFromPublicKey, type Identity } from '../shared/identity'
import { normalizeDisplayName, type NodeMethods, type Profile } from '../shared/protocol'
import { establishSession, type Session } from '../shared/session'
import { HandshakeError } from '../shared/handshake'
import type { Transport } from '../shared/transport'
import { fetchHostConfig, mergeConfig, parseConfig, type KithConfig } from './config'
import { dial, type DialPhase } from './discovery/dialer'
import { Listener } from './discovery/listener'
import type { TrackerStatus } from './discovery/tracker-client'
import { basicHandlers } from './handlers/basic'
import { NodeDatabase } from './storage/db'
import { loadOrCreateIdentity } from './storage/identity-store'

export type NodeSession = Session<NodeMethods, NodeMethods>

export interface NodeStatus {
  trackers: TrackerStatus[]
  /** Authenticated sessions open right now (both directions). */
  peers: number
}

const PROFILE_KEY = 'profile.displayName'
const CONFIG_KEY = 'config.overrides'

export class KithNode extends EventTarget {
  readonly identity: Identity
  readonly address: string
  private displayName: string
  private config: KithConfig
  private listener: Listener | null = null
  private readonly sessions = new Set<NodeSession>()
  /** Handshake failures of incoming connections, for the owner to see. */
  lastRejected: string | null = null

  private constructor (private readonly db: NodeDatabase, identity: Identity, displayName: string, config: KithConfig) {
    super()
    this.identity = identity
    this.address = addressFromPublicKey(identity.publicKey)
    this.displayName = displayName
    this.config = config
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
  }

  stopListening (): void {
    this.listener?.stop()
    this.listener = null
  }

  /** Finds a person by key and opens an authenticated session with them. */
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
      handlers: () => basicHandlers(() => this.profile)
    })
    this.sessions.add(session)
    transport.onClose(() => {
      this.sessions.delete(session)
      this.changed()
    })
    this.changed()
    return session
  }

  close (): void {
    this.stopListening()
    for (const session of this.sessions) session.rpc.close('the node is shutting down')
    this.sessions.clear()
    this.db.close()
  }

  private changed (): void {
    this.dispatchEvent(new Event('change'))
  }
}
