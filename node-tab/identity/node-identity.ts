// The person this node acts for, and this device's part in it: the identity
// key friends know, the device credentials proven in every handshake, and
// on a full device the identity's key pair. Its checks run once, after the
// cryptography code has loaded and before anything listens, dials, signs or
// answers (verify); a damaged identity stops the node with words for the
// owner (`failure`).
import { toHex } from '../../shared/util/bytes'
import { cryptoLoaded, loadCrypto } from '../../shared/crypto/crypto'
import type { DeviceCertificate, DeviceRole } from '../../shared/identity/device-certificate'
import type { DeviceCredentials } from '../../shared/identity/device-credentials'
import type { Identity } from '../../shared/identity/identity'
import { checkStoredIdentity, type StoredIdentity } from '../storage/identity-store'

export interface NodeIdentityHooks {
  /** Runs inside verify(), once the stored keys passed: loads what the
   *  handshake's checks rely on (my devices' certificates and revocations). */
  afterChecks: () => Promise<void>
  /** verify() passed: everything may go out now. */
  onVerified?: () => void
  /** The identity failed its checks: the node stops. */
  onFailure: (err: Error) => void
}

export class NodeIdentity {
  /** The person: the key behind the address friends know. */
  readonly identityKey: Uint8Array
  readonly keyHex: string
  readonly address: string
  /** What this device proves in every handshake (DESIGN §6a). */
  readonly credentials: DeviceCredentials
  /** Why verify() failed, in words for the owner. */
  failure: Error | null = null
  private verifying: Promise<void> | null = null
  /** Set once verify() passed: nothing is signed before. */
  private verified = false
  /** Set once the stored key pairs and certificate passed (see signing()). */
  private keysChecked = false

  constructor (private readonly stored: StoredIdentity, private readonly hooks: NodeIdentityHooks) {
    this.identityKey = stored.identityKey
    this.keyHex = toHex(stored.identityKey)
    this.address = stored.address
    this.credentials = stored.credentials
  }

  /** This device's own key, hex. */
  get deviceHex (): string {
    return toHex(this.credentials.device.publicKey)
  }

  /** A full device may link and revoke devices and make friends; a server
   *  device serves and syncs. (Before verify(), as stored.) */
  get role (): DeviceRole {
    return (this.credentials.certificate as Partial<DeviceCertificate> | null)?.role === 'server' ? 'server' : 'full'
  }

  /** Whether this device holds the identity's key pair (a full device). */
  get holdsSigningKey (): boolean {
    return this.stored.signing !== null
  }

  /** The checks the open left out, so the first screen needs no
   *  cryptography code: the stored key pairs match, the address is the
   *  key's, the device certificate is the identity's and for this device,
   *  then the hooks' loads. Runs once; a failure stops the node and every
   *  later call refuses with it. */
  verify (): Promise<void> {
    this.verifying ??= (async () => {
      await loadCrypto()
      this.credentials.certificate = checkStoredIdentity(this.stored)
      await this.hooks.afterChecks()
      this.verified = true
      this.hooks.onVerified?.()
    })().catch((err: unknown) => { throw this.fail(err) })
    return this.verifying
  }

  /** The identity's key pair once its checks passed; null on a server
   *  device. Signing may come before verify() has finished (it also reads
   *  the devices): the key pair's own checks are synchronous, so they run
   *  here when needed. */
  signing (): Identity | null {
    const signing = this.stored.signing
    if (!signing) return null
    if (this.failure) throw this.failure
    if (!this.verified && !this.keysChecked) {
      if (!cryptoLoaded()) throw new Error('Kith is still checking its stored keys; try again in a moment.')
      try {
        this.credentials.certificate = checkStoredIdentity(this.stored)
      } catch (err) {
        throw this.fail(err)
      }
      this.keysChecked = true
    }
    return signing
  }

  private fail (err: unknown): Error {
    this.failure ??= err instanceof Error ? err : new Error(String(err))
    this.hooks.onFailure(this.failure)
    return this.failure
  }
}
