// What the person chose about themselves and their network: the name friends
// see, whether anyone who knows the address may reach this node, and the
// trackers and ICE servers (the host's, overridden by the owner's). Saved in
// the settings table, so the person's other devices take them through sync
// (name and discoverable; the network configuration stays per device).
import type { Profile } from '../../shared/protocol/protocol'
import { normalizeDisplayName } from '../../shared/protocol/display-name'
import { askHostConfig, ConfigError, hasTurnServer, mergeConfig, parseConfig, RELAY_ONLY_NEEDS_TURN, rtcConfigOf, type KithConfig } from './config'
import { KithError } from '../../shared/wire/errors'
import type { SigningKeyPair } from '../../shared/crypto/crypto'
import type { NodeIdentity } from '../identity/node-identity'
import type { NodeDatabase } from '../storage/db'
import { DISCOVERABLE_KEY } from '../storage/signed-settings'

const PROFILE_KEY = 'profile.displayName'
const CONFIG_KEY = 'config.overrides'
/** What the host's config.json said when last asked: device-local. */
const HOST_CONFIG_KEY = 'config.host'

const isString = (v: unknown): v is string => typeof v === 'string'
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean'

/** What a saved configuration changed, for the parts that must follow. */
export interface ConfigChange {
  /** The trackers the owner set, if they set them. */
  trackers?: string[]
  /** Relay-only was just turned on: what connected by any path must go. */
  hidingNow: boolean
}

export class PersonSettings {
  private constructor (
    private readonly db: NodeDatabase,
    private name: string,
    private discoverableByAddress: boolean,
    private config: KithConfig,
    /** What the owner chose, over the host's: saved whole at every change. */
    private overrides: Partial<KithConfig>,
    /** The host's layer (its config.json), under the owner's. */
    private readonly host: Partial<KithConfig>
  ) {}

  /** Reads the saved settings; the host's configuration comes from its
   *  config.json unless given (tests, the benchmark). */
  static async load (db: NodeDatabase, hostConfig?: Partial<KithConfig>, ask = askHostConfig): Promise<PersonSettings> {
    const name = (await db.getSetting(PROFILE_KEY, isString)) ?? ''
    const saved = await db.getSetting(CONFIG_KEY, (v): v is unknown => v !== undefined)
    let overrides: Partial<KithConfig> = {}
    try { overrides = saved ? parseConfig(saved) : {} } catch { /* a broken saved setting falls back */ }
    const host = hostConfig ?? await hostConfigOf(db, ask)
    const discoverable = (await db.getSetting(DISCOVERABLE_KEY, isBoolean)) ?? false
    return new PersonSettings(db, name, discoverable, mergeConfig(host, overrides), overrides, host)
  }

  get displayName (): string {
    return this.name
  }

  profile (address: string): Profile {
    return { displayName: this.name, address }
  }

  async setDisplayName (input: string): Promise<void> {
    const name = normalizeDisplayName(input)
    await this.db.putSetting(PROFILE_KEY, name)
    this.name = name
  }

  /** Off by default: friends and invite holders find me in swarms only they
   *  can name. */
  get discoverable (): boolean {
    return this.discoverableByAddress
  }

  /** After a rotation, what signs the person's settings (Sₙ where this
   *  device holds it, else nothing: person/person-signer.ts), and where it
   *  can be done instead, in words. Set by the node; absent, the identity's
   *  key signs. */
  rotated: { signer: () => SigningKeyPair | null, elsewhere: () => string } | null = null

  /** The person's choice, made on a full device: signed by the identity
   *  (its keys checked first; after a rotation by Sₙ, on a device holding
   *  it), so the person's other devices take it (see
   *  storage/signed-settings.ts); a server device cannot make it. */
  async setDiscoverable (on: boolean, me: Pick<NodeIdentity, 'verify' | 'signing'>): Promise<void> {
    await me.verify()
    if (!me.signing()) throw new KithError('UNAUTHORIZED', 'Only a full device can change whether you can be found by address. Use your laptop or phone.')
    const signing = this.rotated ? this.rotated.signer() : me.signing()
    if (!signing) throw new KithError('UNAUTHORIZED', this.rotated!.elsewhere())
    const { putSignedSetting } = await import('../storage/signed-setting-writes')
    await putSignedSetting(this.db, DISCOVERABLE_KEY, on, signing)
    this.discoverableByAddress = on
  }

  get current (): KithConfig {
    return this.config
  }

  get rtcConfig (): RTCConfiguration {
    return rtcConfigOf(this.config)
  }

  /** Checks and saves trackers/ICE servers chosen by the owner. A save of
   *  some fields keeps what earlier saves set, after a reload too. */
  async saveConfig (overrides: Partial<KithConfig>): Promise<ConfigChange> {
    const checked = parseConfig(overrides)
    const next = mergeConfig({ trackers: this.config.trackers, relays: this.config.relays, iceServers: this.config.iceServers, relayOnly: this.config.relayOnly, relaysOff: this.config.relaysOff }, checked)
    if (next.relayOnly === true && !hasTurnServer(next.iceServers)) throw new ConfigError(RELAY_ONLY_NEEDS_TURN)
    const saved = { ...this.overrides, ...checked }
    await this.db.putSetting(CONFIG_KEY, saved)
    this.overrides = saved
    const hidingNow = next.relayOnly === true && this.config.relayOnly !== true
    this.config = next
    return { trackers: checked.trackers, hidingNow }
  }

  /** The owner's relay list is dropped: the host's (its config.json), or
   *  the public defaults when it names none, apply again. */
  async resetRelays (): Promise<void> {
    const { relays: _mine, ...rest } = this.overrides
    await this.db.putSetting(CONFIG_KEY, rest)
    this.overrides = rest
    this.config = mergeConfig(this.host, rest)
  }

  /** Another of my devices changed the person's settings: read them again. */
  async reload (): Promise<void> {
    this.name = (await this.db.getSetting(PROFILE_KEY, isString)) ?? this.name
    this.discoverableByAddress = (await this.db.getSetting(DISCOVERABLE_KEY, isBoolean)) ?? this.discoverableByAddress
  }
}

/** The host's configuration as it says now, saved; when it cannot be asked
 *  (a reload offline, from the service worker's copy of the app), what it
 *  said last time: never the public defaults in place of the host's own
 *  trackers and servers, then or once the network is back. */
async function hostConfigOf (db: NodeDatabase, ask: () => Promise<Partial<KithConfig> | null>): Promise<Partial<KithConfig>> {
  const answer = await ask()
  if (answer !== null) {
    await db.putSetting(HOST_CONFIG_KEY, answer)
    return answer
  }
  const saved = await db.getSetting(HOST_CONFIG_KEY, (v): v is unknown => v !== undefined)
  if (saved === undefined) console.warn('[kith] the host could not be asked for its configuration, and never was before: using the built-in trackers')
  try { return saved === undefined ? {} : parseConfig(saved) } catch { return {} }
}
