// The full device's side of linking: read the code the new device shows,
// meet it in the swarm its secret names, show the verification code, and on
// the owner's approval ask the new device to confirm whose device it
// becomes (the person confirms there too), then send a certificate for the
// chosen role (plus the identity key to a full device only). A code is spent
// the moment it is opened here, so the same code cannot be approved twice,
// also after a reload (the spent codes are kept, see SpentLinkCodes).
import { bytesEqual } from '../../shared/util/bytes'
import { issueDeviceCertificateFor, normalizeDeviceName, type DeviceCertificate, type DeviceRole } from '../../shared/identity/device-certificate'
import type { DeviceCredentials } from '../../shared/identity/device-credentials'
import { KithError } from '../../shared/wire/errors'
import { HandshakeError } from '../../shared/session/handshake'
import type { Identity } from '../../shared/identity/identity'
import { parseLinkCode, SpentLinkCodes, verificationCode, type LinkCode } from '../../shared/linking/link-code'
import { parseLinkHello, type LinkRotation, type NewDeviceMethods } from '../../shared/linking/link-protocol'
import { linkMeeting } from '../../shared/rendezvous/meetings'
import { establishSession, type Session } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { dial } from '../discovery/dialer'

/** How long to look for the new device before saying it was not found. */
export const LINK_DIAL_TIMEOUT_MS = 60_000
/** How long the person has to confirm on the new device after approving. */
export const CONFIRM_WAIT_MS = 5 * 60_000

export interface LinkApprovalStep {
  readonly proposedName: string
  readonly verificationCode: string
  readonly serverOnly: boolean
  readonly deviceKey: Uint8Array
  approve (opts: { name: string, role: DeviceRole }): Promise<DeviceCertificate>
  cancel (): void
}

export interface ApproverContext {
  /** The identity key pair (given to a new full device). */
  signing: Identity
  /** After a rotation: Sₙ, which signs the certificate instead, and what
   *  the new device needs to follow the rotations (Sₙ itself to a full
   *  device only; see link-protocol.ts). */
  rotation?: { signingKey: Identity, recoveryRecord: LinkRotation['recoveryRecord'], records: unknown[] }
  credentials: DeviceCredentials
  spent: SpentLinkCodes
  devicesSecret: () => Promise<Uint8Array>
  displayName: () => string
  /** Records the new device among mine, before it is told it is linked. */
  onApproved: (certificate: DeviceCertificate) => Promise<void>
  trackers: string[]
  rtcConfig: RTCConfiguration
  now?: () => number
  /** Replaceable in tests: how the new device is reached. */
  connect?: (code: LinkCode, signal: AbortSignal) => Promise<Transport>
}

/** A code pasted as is, or inside a link or a sentence. */
export function extractLinkCode (input: string): string {
  return input.match(/kith-link-[1-9A-HJ-NP-Za-km-z]+/)?.[0] ?? input
}

export async function openLinkCode (ctx: ApproverContext, input: string, signal?: AbortSignal): Promise<LinkApprovalStep> {
  const now = ctx.now ?? Date.now
  const code = parseLinkCode(extractLinkCode(input), now())
  await ctx.spent.spend(code, now())
  const timeout = AbortSignal.timeout(LINK_DIAL_TIMEOUT_MS)
  const dialSignal = signal ? AbortSignal.any([signal, timeout]) : timeout
  let transport: Transport
  try {
    transport = await (ctx.connect ?? defaultConnect(ctx))(code, dialSignal)
  } catch (err) {
    if (signal?.aborted) throw new KithError('CANCELLED', 'Linking was cancelled.')
    if (timeout.aborted) throw new KithError('TIMEOUT', 'The new device was not found. Check that it still shows this code, and that both devices use the same trackers.')
    throw err
  }
  let session: Session<NewDeviceMethods, Record<string, never>>
  try {
    session = await establishSession<NewDeviceMethods, Record<string, never>>(transport, {
      credentials: ctx.credentials,
      // A device being linked speaks for itself alone: its key is the one in the code.
      expectedRemoteKey: code.deviceKey,
      acceptUncertified: (key) => bytesEqual(key, code.deviceKey),
      handlers: () => ({})
    })
  } catch (err) {
    if (err instanceof HandshakeError) throw new KithError('UNAUTHORIZED', `The new device could not be verified: ${err.message}`)
    throw err
  }
  const close = (reason: string): void => session.rpc.close(reason)
  signal?.addEventListener('abort', () => close('cancelled'), { once: true })
  let hello
  try {
    hello = parseLinkHello(await session.rpc.call('linkHello', {}, { timeoutMs: 15_000 }))
  } catch (err) {
    close('no link request')
    throw err
  }
  let proposedName: string
  try {
    proposedName = normalizeDeviceName(hello.name)
  } catch {
    proposedName = hello.serverOnly ? 'Server' : 'New device'
  }
  return {
    proposedName,
    verificationCode: verificationCode(code, ctx.credentials.identityKey),
    serverOnly: hello.serverOnly,
    deviceKey: code.deviceKey,
    async approve ({ name, role }) {
      if (session.rpc.closed) throw new KithError('CLOSED', 'The connection to the new device was lost. Show a new code on it and try again.')
      if (hello.serverOnly && role !== 'server') throw new KithError('BAD_REQUEST', 'This device runs as a server: link it as a server.')
      const deviceName = normalizeDeviceName(name)
      // Nothing is signed or sent before the person confirmed over there.
      try {
        await session.rpc.call('confirmLink', { displayName: ctx.displayName(), deviceName, role }, { timeoutMs: CONFIRM_WAIT_MS })
      } catch (err) {
        close('not confirmed')
        if (err instanceof KithError && err.code === 'CANCELLED') throw new KithError('CANCELLED', 'The link was declined on the new device. Nothing was linked.')
        if (err instanceof KithError && err.code === 'TIMEOUT') throw new KithError('TIMEOUT', 'The link was not confirmed on the new device in time. Nothing was linked; show a new code there to try again.')
        throw err
      }
      const certificate = issueDeviceCertificateFor(ctx.credentials.identityKey, ctx.rotation?.signingKey ?? ctx.signing, { publicKey: code.deviceKey, name: deviceName, role }, now())
      // Made first: the new device is looked for in the swarm it names as soon as it is approved.
      const devicesSecret = await ctx.devicesSecret()
      await ctx.onApproved(certificate)
      try {
        await session.rpc.call('completeLink', {
          certificate,
          ...(role === 'full' ? { identitySecretKey: ctx.signing.secretKey } : {}),
          devicesSecret,
          displayName: ctx.displayName(),
          ...(ctx.rotation ? { rotation: linkRotation(ctx.rotation, role) } : {})
        }, { timeoutMs: 30_000 })
      } finally {
        setTimeout(() => close('linked'), 200)
      }
      return certificate
    },
    cancel () { close('cancelled by the owner') }
  }
}

/** What a new device gets of the rotations: Sₙ goes to a full device
 *  only, as the identity key does; a server device never holds it. */
function linkRotation (rotation: NonNullable<ApproverContext['rotation']>, role: DeviceRole): LinkRotation {
  return {
    recoveryRecord: rotation.recoveryRecord,
    records: rotation.records,
    ...(role === 'full' ? { signingSecretKey: rotation.signingKey.secretKey } : {})
  }
}

function defaultConnect (ctx: ApproverContext) {
  return (code: LinkCode, signal: AbortSignal) => dial({
    meetingFor: () => linkMeeting(code.secret, code.deviceKey),
    trackers: ctx.trackers,
    rtcConfig: ctx.rtcConfig,
    signal
  })
}
