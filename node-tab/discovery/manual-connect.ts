// Connecting to a friend without any tracker, by connection codes (see
// shared/rendezvous/connection-codes.ts): this keeps my pending offers (one per friend,
// until answered or expired) and answers the codes friends send me, once
// each. The codes travel through a CodeChannel (the rendezvous seam, carried
// by hand). The transports it makes go through the node's normal handshake,
// which must prove the friend whose page the code was used on.
import { fromHex, toHex } from '../../shared/util/bytes'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { CODE_MAX_AGE_MS, codeKind, openAnswerCode, openConnectCode, sealAnswerCode, sealConnectCode } from '../../shared/rendezvous/connection-codes'
import type { BoxKeyPair } from '../../shared/crypto/crypto'
import { KithError } from '../../shared/wire/errors'
import { CodeChannel } from '../rendezvous/code-channel'
import type { ReplayGuard } from './replay-guard'
import { answerOffer, createOffer, type PendingOffer, type WebRtcTransport } from './webrtc'

/** Replay memory for connection codes (a swarm topic is 20 chars, never this). */
const CODE_SCOPE = 'connection-code'
/** The one swarm a hand-carried exchange stands in. */
const CODE_TOPIC = CODE_SCOPE

export interface ManualConnectOptions {
  myKey: Uint8Array
  /** False on a device without the identity key (a server device): codes
   *  are for the person's own browsers, where they can be pasted. */
  hasIdentityKey: boolean
  /** The meeting secrets I share with a friend (hex key): the current one
   *  first, then one being replaced; empty for anyone else. */
  meetingSecrets: (friendHex: string) => Promise<Uint8Array[]>
  /** Every friend's current meeting secret, to name who made a code
   *  pasted on the wrong friend's page. */
  everyMeetingSecret: () => Promise<Array<[string, Uint8Array]>>
  rtcConfig: () => RTCConfiguration
  replays: ReplayGuard
  /** Runs the handshake, which must prove `friendKey`. */
  startSession: (transport: WebRtcTransport, friendKey: Uint8Array) => Promise<unknown>
  now?: () => number
}

interface Pending { code: string, channel: CodeChannel, offer: PendingOffer, reply: BoxKeyPair, expiresAt: number, timer: ReturnType<typeof setTimeout> }

/** A channel for one exchange, and what it last showed. */
function codeChannel (): { channel: CodeChannel, shown: () => string } {
  let text = ''
  const channel = new CodeChannel({
    show: (t) => { text = t },
    kindOf: (t) => ({ connect: 'offer' as const, answer: 'answer' as const, none: null })[codeKind(t) ?? 'none']
  })
  return { channel, shown: () => text }
}

export class ManualConnections {
  private readonly pending = new Map<string, Pending>()

  constructor (private readonly opts: ManualConnectOptions) {}

  private now (): number { return (this.opts.now ?? Date.now)() }

  /** A new connection code for a friend; an earlier one for them stops working. */
  async makeCode (friendKey: Uint8Array): Promise<string> {
    const hex = toHex(friendKey)
    this.refuseWithoutIdentityKey()
    const [secret] = await this.opts.meetingSecrets(hex)
    if (!secret) throw new KithError('UNAUTHORIZED', 'Connection codes are only for friends.')
    this.drop(hex)
    const offer = await createOffer(this.opts.rtcConfig()) // waits for every ICE candidate: nothing trickles
    const now = this.now()
    const sealed = await sealConnectCode(offer.sdp, this.opts.myKey, friendKey, secret, now)
    const { channel, shown } = codeChannel()
    channel.announce(CODE_TOPIC, [{ offerId: hex, payload: sealed.code }])
    const code = shown()
    const timer = setTimeout(() => this.drop(hex), CODE_MAX_AGE_MS)
    this.pending.set(hex, { code, channel, offer, reply: sealed.reply, expiresAt: now + CODE_MAX_AGE_MS, timer })
    return code
  }

  /** A friend's connection code: returns the answer code to send back; the
   *  connection forms once they paste it (`connected` settles then). */
  async answerCode (friendKey: Uint8Array, code: string, friendName: string): Promise<{ answerCode: string, connected: Promise<void> }> {
    this.refuseWithoutIdentityKey()
    const now = this.now()
    // Sealed to my friend, my own code does not open here; say why.
    const compacted = code.replace(/\s+/g, '').toUpperCase()
    if ([...this.pending.values()].some((p) => p.code === compacted)) throw new KithError('BAD_REQUEST', 'This is your own connection code. Send it to your friend; they paste it on their side.')
    const { channel, shown } = codeChannel()
    channel.announce(CODE_TOPIC)
    // Not an offer (an answer code, junk): openConnectCode says what it is.
    const signal = channel.paste(code)
    // Opening it proves it was made by this friend for me (only we two hold
    // the meeting secret, and the key is bound to both of us): before that,
    // nothing in it is looked at, and no answer (with my addresses) or
    // RTCPeerConnection is made.
    let opened: Awaited<ReturnType<typeof openConnectCode>>
    try {
      opened = await openConnectCode(signal?.payload ?? code, this.opts.myKey, friendKey, await this.opts.meetingSecrets(toHex(friendKey)), now)
    } catch (err) {
      throw await this.explain(err, signal?.payload ?? code, friendKey, friendName, now)
    }
    if (!this.opts.replays.firstSight(CODE_SCOPE, toHex(opened.replyKey), opened.sentAt + CODE_MAX_AGE_MS, now)) {
      throw new KithError('BAD_REQUEST', 'This connection code was already used. Ask for a new one.')
    }
    // The wait for their side covers the time the answer code takes to
    // reach them and be pasted: up to the code's expiry.
    const openFor = Math.max(opened.sentAt + CODE_MAX_AGE_MS - now, 30_000)
    const answer = await answerOffer(this.opts.rtcConfig(), opened.sdp, { openTimeoutMs: openFor, waitThroughFailure: true })
    const connected = answer.connected().then(async (transport) => { await this.opts.startSession(transport, friendKey) })
    connected.catch(() => { /* reported to whoever awaits it */ })
    channel.answer(signal!, await sealAnswerCode(answer.sdp, opened.replyKey))
    channel.close()
    return { answerCode: shown(), connected }
  }

  /** Their answer to my latest code: the connection forms and the handshake runs. */
  async complete (friendKey: Uint8Array, answerCode: string, friendName: string): Promise<void> {
    const hex = toHex(friendKey)
    const pending = this.pending.get(hex)
    if (!pending || pending.expiresAt < this.now()) {
      this.drop(hex)
      throw new KithError('BAD_REQUEST', `There is no connection code waiting for ${friendName}'s answer (it was used, it expired, or this page was reloaded). Make a new connection code.`)
    }
    const signal = pending.channel.paste(answerCode)
    const sdp = await openAnswerCode(signal?.payload ?? answerCode, pending.reply)
    // Single use: whatever happens next, this code's offer is spent.
    this.pending.delete(hex)
    clearTimeout(pending.timer)
    const transport = await pending.offer.complete(sdp)
    await this.opts.startSession(transport, friendKey)
  }

  /** A code that did not open for this friend: if another friend made it
   *  for me, say who (the code opens for them, so it is theirs); otherwise
   *  the reason it gave. */
  private async explain (err: unknown, code: string, friendKey: Uint8Array, friendName: string, now: number): Promise<unknown> {
    if (!(err instanceof KithError) || !/not for you from this friend/.test(err.message)) return err
    for (const [hex, secret] of await this.opts.everyMeetingSecret()) {
      if (hex === toHex(friendKey)) continue
      try {
        // It opens as made by this friend only if they made it (the maker is bound into the key).
        const opened = await openConnectCode(code, this.opts.myKey, fromHex(hex), [secret], now)
        return new KithError('UNAUTHORIZED', `This connection code was not made by ${friendName} (it comes from ${addressFromPublicKey(opened.from).slice(0, 12)}…). Paste it on their page.`)
      } catch { /* not theirs either */ }
    }
    return new KithError('UNAUTHORIZED', `This connection code was not made by ${friendName} for you, or it was changed on the way. Ask ${friendName} for a new one.`)
  }

  private refuseWithoutIdentityKey (): void {
    if (!this.opts.hasIdentityKey) throw new KithError('UNAUTHORIZED', 'This device does not hold your identity key, so it cannot use connection codes. Use your main device.')
  }

  hasPending (friendKey: Uint8Array): boolean {
    return this.pending.has(toHex(friendKey))
  }

  close (): void {
    for (const hex of [...this.pending.keys()]) this.drop(hex)
  }

  private drop (hex: string): void {
    const p = this.pending.get(hex)
    if (!p) return
    clearTimeout(p.timer)
    p.channel.close()
    p.offer.discard()
    this.pending.delete(hex)
  }
}
