// What the UI can ask about the person's own devices (DESIGN §6a): the list,
// linking a new one the way Signal does, and revoking. Kept apart from
// app-api.ts so the Devices tab and the link flow depend on this alone.
import type { DeviceRole } from '../../shared/identity/device-certificate'
import type { LinkingSession } from '../../shared/linking/linking-state'

export type { DeviceRole } from '../../shared/identity/device-certificate'
export type { LinkingSession, LinkingState } from '../../shared/linking/linking-state'

export interface DeviceView {
  /** The device's own key, hex: its identity in this list. */
  key: string
  name: string
  role: DeviceRole
  /** When its certificate was issued (it was linked). */
  linkedAt: number
  /** The last time one of my devices had a session with it; null: never since linking. */
  lastSeenAt: number | null
  /** A sync session with it is open right now. */
  online: boolean
  /** The device this page runs on. */
  thisDevice: boolean
  /** Set once revoked: it no longer syncs, and friends refuse it once told. */
  revokedAt: number | null
  /** Changes on this device the other has not pulled yet (0: in sync);
   *  null for this device itself and for revoked ones. */
  pendingChanges: number | null
}

/** The approving side of a link, step by step. */
export interface LinkApproval {
  /** What the new device calls itself (from the link code's session). */
  readonly proposedName: string
  /** Six digits, shown on both screens; the owner compares them. */
  readonly verificationCode: string
  /** Whether the new device asked to be a server (the headless runner always does). */
  readonly serverOnly: boolean
  /** Issues the certificate and hands over what the role may hold. */
  approve (opts: { name: string, role: DeviceRole }): Promise<void>
  cancel (): void
}

export interface DevicesApi extends EventTarget {
  /** Full devices may link and revoke; a server device only lists. */
  readonly canManageDevices: boolean
  /** The person has rotated their key (docs/security.md). */
  readonly rotated: boolean
  /** Why this full device cannot link or revoke, and where it can be done
   *  (after a rotation made on another device, which holds the new key);
   *  null when it can. */
  readonly signingElsewhere: string | null
  listDevices (): Promise<DeviceView[]>
  /** Reads a link code (text, or a link carrying it) and meets the new
   *  device; rejects with a sentence (typo, expired, already used, not
   *  reachable) the UI shows as is. */
  openLinkCode (input: string, signal?: AbortSignal): Promise<LinkApproval>
  revokeDevice (key: string): Promise<void>
  /** Names the device this page runs on (a full device re-issues its own
   *  certificate); rejects with a sentence for an empty name. */
  renameThisDevice (name: string): Promise<void>
  /** Whether this browser may become a device of another identity: only
   *  while it has no friends, items or devices of its own (the identity made
   *  for it on first open is then replaced). */
  canLinkThisDevice (): Promise<boolean>
  /** Shows a link code for this browser until a full device approves it;
   *  once linked the page reloads as that person's device. */
  linkThisDevice (deviceName: string): LinkingSession
  /** When my recovery words were set up (docs/security.md), or null: not yet. */
  recoverySince (): Promise<number | null>
  /** Makes my recovery record from the public half of the key the words
   *  make (the words themselves never leave the element that shows them);
   *  a full device only, once. Rejects with a sentence to show. */
  setUpRecovery (recoveryKey: Uint8Array): Promise<void>
  /** Someone else has one of my devices: with my twelve recovery words, a
   *  new signing key for me; `keep` (device keys) are kept and `revoke`
   *  revoked. This device must be kept; a full device only. Friends follow
   *  the next time they meet any kept device. Rejects with a sentence. */
  rotate (words: string, choice: { keep: string[], revoke: string[] }): Promise<void>
}
