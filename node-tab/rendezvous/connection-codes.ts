// Connection codes for a friend, when no tracker works: the node's side of
// discovery/manual-connect.ts, for friends only, made on first use (its
// code, WebRTC, loads with the network half).
import { fromHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import type { ManualConnections } from '../discovery/manual-connect'
import type { ReplayGuard } from '../discovery/replay-guard'
import type { WebRtcTransport } from '../discovery/webrtc'
import type { NodeIdentity } from '../identity/node-identity'
import type { FriendsStore } from '../storage/friends-store'

type ManualCode = Pick<typeof import('../network'), 'ManualConnections'>

export interface ConnectionCodesOptions {
  identity: NodeIdentity
  friends: Pick<FriendsStore, 'get'>
  /** Loads the network code; refuses while the stored keys are unchecked or the node has stopped. */
  load: () => Promise<ManualCode>
  rtcConfig: () => RTCConfiguration
  replays: ReplayGuard
  /** The meeting secrets shared with a friend, current first (MeetingPlan). */
  meetingSecrets: (friendHex: string) => Promise<Uint8Array[]>
  everyMeetingSecret: () => Promise<Array<[string, Uint8Array]>>
  /** Runs the handshake, which must prove `friendKey`. */
  startSession: (transport: WebRtcTransport, friendKey: Uint8Array) => Promise<unknown>
}

export class ConnectionCodes {
  private manual: ManualConnections | null = null
  private closed = false

  constructor (private readonly opts: ConnectionCodesOptions) {}

  /** A connection code for a friend; an earlier one for them stops working. */
  async make (friendHex: string): Promise<string> {
    await this.friendNamed(friendHex)
    return await (await this.connections()).makeCode(fromHex(friendHex))
  }

  /** A friend's connection code: the answer code to send back. */
  async answer (friendHex: string, code: string): Promise<{ answerCode: string, connected: Promise<void> }> {
    const name = await this.friendNamed(friendHex)
    return await (await this.connections()).answerCode(fromHex(friendHex), code, name)
  }

  /** A friend's answer to my code: resolves once we are connected and authenticated. */
  async complete (friendHex: string, answerCode: string): Promise<void> {
    const name = await this.friendNamed(friendHex)
    await (await this.connections()).complete(fromHex(friendHex), answerCode, name)
  }

  /** Withdraws the codes still waiting for an answer. */
  withdraw (): void {
    this.manual?.close()
  }

  close (): void {
    this.closed = true
    this.withdraw()
  }

  private async connections (): Promise<ManualConnections> {
    const { ManualConnections } = await this.opts.load()
    if (this.closed) throw new KithError('CLOSED', 'This node has stopped.')
    this.manual ??= new ManualConnections({
      myKey: this.opts.identity.identityKey,
      hasIdentityKey: this.opts.identity.signing() !== null,
      meetingSecrets: this.opts.meetingSecrets,
      everyMeetingSecret: this.opts.everyMeetingSecret,
      rtcConfig: this.opts.rtcConfig,
      replays: this.opts.replays,
      startSession: this.opts.startSession
    })
    return this.manual
  }

  private async friendNamed (friendHex: string): Promise<string> {
    const friend = await this.opts.friends.get(friendHex)
    if (!friend) throw new KithError('UNAUTHORIZED', 'Connection codes are only for friends.')
    return friend.displayName || 'your friend'
  }
}
