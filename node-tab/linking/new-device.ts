// The new device's side of linking (DESIGN §6a), the way Signal links one:
// it shows a link code carrying its own key and a one-time secret, waits in
// the swarm only that secret names, and lets exactly one full device of
// some person in. Both screens then show the verification code; when the
// owner approves over there, this device shows whose device it would become
// (the address the handshake proved, the name that device claims) and waits
// for the person to confirm here too: whoever saw the code cannot link this
// browser to an identity of their own unnoticed. The headless runner, with
// nobody at its screen, confirms for its owner (`--owner <address>`) and
// refuses anyone else. Only then is the certificate (and, for a full device,
// the identity key) sent, and checked here before anything is stored. A code
// works once: once linked, or restarted, its secret is forgotten and nothing
// listens for it any more.
import { bytesEqual } from '../../shared/util/bytes'
import { generateSigningKeyPair, keyPairMatches, type SigningKeyPair } from '../../shared/crypto/crypto'
import { checkDeviceCertificate, normalizeDeviceName, type DeviceCertificate } from '../../shared/identity/device-certificate'
import type { HeldRotations } from '../../shared/identity/rotation-record'
import { checkLinkedCertificate, type CheckedLinkRotation } from '../../shared/linking/link-rotation'
import { KithError } from '../../shared/wire/errors'
import { HandshakeError } from '../../shared/session/handshake'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { createLinkCode, LINK_CODE_LIFETIME_MS, verificationCode, type LinkCode } from '../../shared/linking/link-code'
import { parseLinkOffer, parseLinkPackage, type LinkOffer, type LinkPackage, type NewDeviceMethods } from '../../shared/linking/link-protocol'
import { cleanDisplayName } from '../../shared/protocol/display-name'
import type { LinkingSession, LinkingState } from '../../shared/linking/linking-state'
import { linkMeeting } from '../../shared/rendezvous/meetings'
import { establishSession, type Session } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { Listener } from '../discovery/listener'
import { ReplayGuard } from '../discovery/replay-guard'

/** What a completed link leaves to be stored (see storeLinkedIdentity). */
export interface LinkedIdentity {
  identityKey: Uint8Array
  identitySecretKey: Uint8Array | null
  device: SigningKeyPair
  certificate: DeviceCertificate
  /** The full device that linked this one: the first other device it
   *  knows. Null when, after a rotation, only the certificate it showed for
   *  the link is known (the identity key's: stored, it would sync over its
   *  real row); it dials this device itself (it lists it already). */
  approver: DeviceCertificate | null
  devicesSecret: Uint8Array
  displayName: string
  /** When the person had rotated: the checked chain, R's record, and Sₙ
   *  for a full device (shared/linking/link-rotation.ts). */
  rotation?: CheckedLinkRotation
}

export interface NewDeviceLinkOptions {
  name: string
  /** The headless runner: never accept the identity key. */
  serverOnly: boolean
  /** Nobody is at this screen (the headless runner): a link is confirmed
   *  without asking, for `owner` only when given. */
  autoConfirm?: boolean
  /** The only person (address) who may link this device. */
  owner?: string | null
  trackers: string[]
  rtcConfig: RTCConfiguration
  /** Stores the link; the state turns 'linked' once it resolves. */
  onLinked: (linked: LinkedIdentity) => Promise<void>
  now?: () => number
  /** Replaceable in tests: how the link swarm is joined. */
  listen?: (opts: { meeting: ReturnType<typeof linkMeeting>, onTransport: (t: Transport) => Promise<void> }) => { stop: () => void }
}

type ApproverSession = Session<Record<string, never>, NewDeviceMethods>

export class NewDeviceLink extends EventTarget implements LinkingSession {
  private current: LinkingState = { step: 'failed', message: 'Not started.' }
  private readonly device = generateSigningKeyPair()
  private readonly name: string
  private code: LinkCode | null = null
  /** The current code as shown. */
  private codeText = ''
  private listening: { stop: () => void } | null = null
  private approver: ApproverSession | null = null
  private expiryTimer: ReturnType<typeof setTimeout> | null = null
  /** The link the person confirmed here (for the current code), if any. */
  private confirmed: { code: LinkCode, offer: LinkOffer } | null = null
  /** The approving device's offer, waiting for the person's answer here. */
  private asking: { code: LinkCode, offer: LinkOffer, answer: (yes: boolean) => void } | null = null

  constructor (private readonly opts: NewDeviceLinkOptions) {
    super()
    this.name = normalizeDeviceName(opts.name)
    this.restart()
  }

  get state (): LinkingState { return this.current }

  /** The key the certificate will name (shown in tests and diagnostics). */
  get deviceKey (): Uint8Array { return this.device.publicKey }

  private now (): number { return (this.opts.now ?? Date.now)() }

  restart (): void {
    if (this.current.step === 'linked') return
    this.stopListening()
    const { code, text } = createLinkCode(this.device.publicKey, this.now())
    this.code = code
    this.codeText = text
    this.set({ step: 'waiting', codeText: text, expiresAt: code.expiresAt * 1000 })
    const meeting = linkMeeting(code.secret, this.device.publicKey)
    this.listening = (this.opts.listen ?? defaultListen(this.opts))({ meeting, onTransport: (t) => this.accept(t, code) })
    this.expiryTimer = setTimeout(() => {
      if (this.code === code && this.current.step !== 'linked') this.fail('The link code expired. Show a new one.')
    }, LINK_CODE_LIFETIME_MS)
  }

  cancel (): void {
    if (this.current.step === 'linked') return
    this.fail('Linking was cancelled.')
  }

  /** The person confirms here the link shown ('accepting'). */
  confirm (): void {
    this.asking?.answer(true)
  }

  private fail (message: string): void {
    this.stopListening()
    this.set({ step: 'failed', message })
  }

  private stopListening (): void {
    this.asking?.answer(false)
    this.asking = null
    this.confirmed = null
    this.code = null
    this.listening?.stop()
    this.listening = null
    this.approver?.rpc.close('linking ended')
    this.approver = null
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.expiryTimer = null
  }

  private set (state: LinkingState): void {
    this.current = state
    this.dispatchEvent(new Event('change'))
  }

  /** One connection in the link swarm: it must be a full device of someone,
   *  and only one may be confirming at a time. */
  private async accept (transport: Transport, code: LinkCode): Promise<void> {
    if (this.code !== code || this.approver) {
      transport.close('another device is already linking this one')
      return
    }
    let session: ApproverSession
    try {
      session = await establishSession<Record<string, never>, NewDeviceMethods>(transport, {
        credentials: { identityKey: this.device.publicKey, device: this.device, certificate: null },
        handlers: (identityKey, remote) => remote.certificate?.role === 'full'
          ? this.handlers(identityKey, code)
          : {}
      })
    } catch (err) {
      if (!(err instanceof HandshakeError)) throw err
      return
    }
    if (session.remoteDevice.certificate?.role !== 'full' || this.code !== code || this.approver) {
      session.rpc.close('only a full device can link a new one')
      return
    }
    if (this.opts.owner && addressFromPublicKey(session.remotePublicKey) !== this.opts.owner) {
      session.rpc.close('this device waits to be linked by another person')
      return
    }
    this.approver = session
    transport.onClose(() => {
      if (this.approver !== session) return
      this.approver = null
      this.asking?.answer(false)
      this.confirmed = null
      // The owner may simply try again from the same or another full device.
      if ((this.current.step === 'confirming' || this.current.step === 'accepting') && this.code === code) {
        this.set({ step: 'waiting', codeText: this.codeText, expiresAt: code.expiresAt * 1000 })
      }
    })
    if (this.current.step !== 'waiting') return
    this.set({
      step: 'confirming',
      codeText: this.current.codeText,
      verificationCode: verificationCode(code, session.remotePublicKey),
      ownerAddress: addressFromPublicKey(session.remotePublicKey)
    })
  }

  private handlers (identityKey: Uint8Array, code: LinkCode) {
    const current = (): boolean => this.code === code && this.approver !== null && bytesEqual(this.approver.remotePublicKey, identityKey)
    return {
      linkHello: () => ({ name: this.name, serverOnly: this.opts.serverOnly }),
      confirmLink: async (params: unknown) => {
        if (!current()) throw new KithError('UNAUTHORIZED', 'This link code is no longer valid: show a new one.')
        const offer = parseLinkOffer(params)
        if (this.opts.serverOnly && offer.role !== 'server') throw new KithError('BAD_REQUEST', 'This device runs as a server: it can only be linked as one.')
        if (!this.opts.autoConfirm && !await this.ask(code, offer, identityKey)) {
          throw new KithError('CANCELLED', 'The link was declined on the new device.')
        }
        if (!current()) throw new KithError('UNAUTHORIZED', 'This link code is no longer valid: show a new one.')
        this.confirmed = { code, offer }
        return { confirmed: true as const }
      },
      completeLink: async (params: unknown) => {
        // Only the device that is confirming, while its code is the current one.
        if (!current()) throw new KithError('UNAUTHORIZED', 'This link code is no longer valid: show a new one.')
        if (this.confirmed?.code !== code) throw new KithError('UNAUTHORIZED', 'The link was not confirmed on the new device.')
        const linked = this.checkPackage(parseLinkPackage(params), identityKey, this.approver!.remoteDevice.certificate!)
        // What was confirmed is what is linked: not another role.
        if (linked.certificate.role !== this.confirmed.offer.role) throw new KithError('BAD_REQUEST', 'The certificate is not for the role that was confirmed.')
        await this.opts.onLinked(linked)
        // Forgotten: the code cannot be used again, by anyone.
        this.code = null
        this.listening?.stop()
        this.listening = null
        if (this.expiryTimer) clearTimeout(this.expiryTimer)
        this.set({ step: 'linked', ownerAddress: addressFromPublicKey(identityKey) })
        return { linked: true as const }
      }
    }
  }

  /** Shows the offer and waits for the person's answer here (confirm() or
   *  cancel()), or for the code to end. */
  private ask (code: LinkCode, offer: LinkOffer, identityKey: Uint8Array): Promise<boolean> {
    this.asking?.answer(false)
    return new Promise((resolve) => {
      const asking = {
        code,
        offer,
        answer: (yes: boolean) => {
          if (this.asking !== asking) return
          this.asking = null
          if (yes && this.current.step === 'accepting') this.set({ ...this.current, confirmed: true })
          resolve(yes)
        }
      }
      this.asking = asking
      this.set({
        step: 'accepting',
        verificationCode: verificationCode(code, identityKey),
        ownerAddress: addressFromPublicKey(identityKey),
        ownerName: cleanDisplayName(offer.displayName).slice(0, 80),
        deviceName: cleanDisplayName(offer.deviceName).slice(0, 80),
        role: offer.role
      })
    })
  }

  /** The package, checked as hostile input: a certificate for this device's
   *  key from the identity it met, and the identity key only for a full
   *  device that asked to be one. */
  private checkPackage (pkg: LinkPackage, identityKey: Uint8Array, approver: DeviceCertificate): LinkedIdentity {
    // After a rotation, signed by Sₙ of the chain the link brings (checked there).
    const { certificate, rotation } = checkLinkedCertificate(pkg.certificate, pkg.rotation, identityKey, this.now())
    if (!bytesEqual(certificate.deviceKey, this.device.publicKey)) throw new KithError('BAD_REQUEST', 'The certificate is for another device.')
    let identitySecretKey: Uint8Array | null = null
    if (certificate.role === 'full') {
      if (this.opts.serverOnly) throw new KithError('BAD_REQUEST', 'This device runs as a server: it can only be linked as one.')
      if (!pkg.identitySecretKey || !keyPairMatches({ publicKey: identityKey, secretKey: pkg.identitySecretKey })) {
        throw new KithError('BAD_REQUEST', 'A full device needs the identity’s key, and the one sent does not match.')
      }
      identitySecretKey = pkg.identitySecretKey.slice()
    } else if (pkg.identitySecretKey) {
      throw new KithError('BAD_REQUEST', 'A server device must never receive the identity key.')
    }
    return {
      identityKey: identityKey.slice(),
      identitySecretKey,
      device: this.device,
      certificate,
      approver: rotation ? approverAfterRotation(approver, rotation.held) : approver,
      devicesSecret: pkg.devicesSecret.slice(),
      displayName: pkg.displayName,
      ...(rotation ? { rotation } : {})
    }
  }
}

/** The approver's certificate as the rotations vouch for it: the one the
 *  latest record re-certified it with when it was kept, or the one shown if
 *  Sₙ signed it; else none (see LinkedIdentity.approver). */
function approverAfterRotation (shown: DeviceCertificate, held: HeldRotations): DeviceCertificate | null {
  const latest = held.records[held.records.length - 1]
  const kept = latest?.kept.find((c) => bytesEqual(c.deviceKey, shown.deviceKey))
  if (kept) return kept
  try {
    return checkDeviceCertificate(shown, { identityKey: held.keys.identityKey, signingKey: held.keys.signingKey, now: Number.MAX_SAFE_INTEGER })
  } catch {
    return null
  }
}

function defaultListen (opts: NewDeviceLinkOptions) {
  return ({ meeting, onTransport }: { meeting: ReturnType<typeof linkMeeting>, onTransport: (t: Transport) => Promise<void> }) => {
    const listener = new Listener({
      identity: null,
      topics: async () => [meeting],
      trackers: opts.trackers,
      rtcConfig: opts.rtcConfig,
      onTransport,
      replays: new ReplayGuard()
    })
    listener.start()
    return { stop: () => listener.stop() }
  }
}
