// Grants (DESIGN §6a): what only the identity key may allow, signed by it,
// so that a server device (which never holds that key) cannot allow it by
// writing a row that sync then spreads to the person's other devices. A
// friendship and an invite are such things, and so are the settings that
// decide how the person can be reached (discoverable by address, where
// their devices meet): a row that reaches a device by sync without the
// identity's grant is not taken.
//
// "The identity" signs with its signing key of the time: the address key
// before any rotation, Sₙ after rotation n (node-tab/person/person-signer.ts).
// Each check below takes the key to check against, which is the signing key
// of the chain the checking device follows: after a rotation a grant the
// old key signed, which a thief may hold, is refused however it is dated.
import { concatBytes, fromHex, toHex, utf8 } from '../util/bytes'
import { sign, verify } from '../crypto/crypto'
import type { SigningKeyPair } from '../crypto/crypto'

const FRIEND_CONTEXT = utf8('kith/grant/friend/v1')
const INVITE_CONTEXT = utf8('kith/grant/invite/v1')
const SETTING_CONTEXT = utf8('kith/grant/setting/v1')

/** A friendship grant covers the friend's key and when the friendship began:
 *  a grant over the key alone let a server device bring back, row and grant
 *  as they were, a friend the owner had removed (the device that removed
 *  them remembers when the removed friendship began, see
 *  FriendsStore.remove, and takes no row from before it). */
const friendMessage = (friendKeyHex: string, addedAt: number): Uint8Array =>
  concatBytes(FRIEND_CONTEXT, fromHex(friendKeyHex), utf8(String(addedAt)))
/** What an invite grant covers: the row's id, its token and its expiry. A
 *  grant over the token alone let a server device copy a used invite's token
 *  and grant into a new pending row, or push an invite's expiry back, and so
 *  reopen a link the owner thought spent (tests/unit/attack-devices.test.ts). */
export interface GrantedInvite { id: string, token: string, expiresAt: number | null }

const inviteMessage = (invite: GrantedInvite): Uint8Array =>
  concatBytes(INVITE_CONTEXT, utf8(JSON.stringify([invite.id, invite.token, invite.expiresAt])))

export function grantFriend (identity: SigningKeyPair, friendKeyHex: string, addedAt: number): Uint8Array {
  return sign(friendMessage(friendKeyHex, addedAt), identity.secretKey)
}

export function grantInvite (identity: SigningKeyPair, invite: GrantedInvite): Uint8Array {
  return sign(inviteMessage(invite), identity.secretKey)
}

export function isFriendGranted (signingKey: Uint8Array, friendKeyHex: string, addedAt: unknown, grant: unknown): boolean {
  return grant instanceof Uint8Array && grant.length === 64 && /^[0-9a-f]{64}$/.test(friendKeyHex) && Number.isSafeInteger(addedAt) &&
    verify(friendMessage(friendKeyHex, addedAt as number), grant, signingKey)
}

export function isInviteGranted (signingKey: Uint8Array, invite: GrantedInvite, grant: unknown): boolean {
  const { id, token, expiresAt } = invite
  return grant instanceof Uint8Array && grant.length === 64 && typeof id === 'string' && id.length <= 64 &&
    typeof token === 'string' && token.length <= 64 && (expiresAt === null || Number.isSafeInteger(expiresAt)) &&
    verify(inviteMessage({ id, token, expiresAt }), grant, signingKey)
}

/** A setting of the person that decides how they can be reached (whether
 *  they are discoverable, where their devices meet): a boolean or bytes. */
export type GrantedValue = boolean | Uint8Array

/** What a setting grant covers: the setting, its value and when it was set,
 *  so that an old grant sent again never wins over a later choice. */
const settingMessage = (key: string, value: GrantedValue, at: number): Uint8Array =>
  concatBytes(SETTING_CONTEXT, utf8(JSON.stringify([key, at, typeof value === 'boolean' ? value : toHex(value)])))

export function grantSetting (identity: SigningKeyPair, key: string, value: GrantedValue, at: number): Uint8Array {
  return sign(settingMessage(key, value, at), identity.secretKey)
}

export function isSettingGranted (signingKey: Uint8Array, key: string, value: unknown, at: unknown, grant: unknown): boolean {
  return grant instanceof Uint8Array && grant.length === 64 && Number.isSafeInteger(at) && (at as number) >= 0 &&
    (typeof value === 'boolean' || value instanceof Uint8Array) &&
    verify(settingMessage(key, value, at as number), grant, signingKey)
}
