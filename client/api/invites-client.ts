// Invites as the UI asks for them: made and accepted only where the
// identity key is (DESIGN §6a), listed with who used them, and the link a
// friend opens.
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import { addressFromPublicKey, parseAddress } from '../../shared/identity/identity'
import type { Profile } from '../../shared/protocol/protocol'
import { inviteFragment } from '../../shared/rendezvous/invite-link'
import type { KithNode } from '../../node-tab/node'
import type { InviteRow } from '../../node-tab/storage/db'
import type { InviteSummary } from './app-api'

/** Friendships need the identity key (DESIGN §6a): a server device has none. */
function mustMakeFriends (node: KithNode): void {
  if (node.role !== 'full') throw new KithError('UNAUTHORIZED', 'This device is a server of yours: make friends (create or accept invites) on your laptop or phone.')
  // After a rotation made elsewhere, the new signing key signs friendships:
  // said before an invite is used up on the friend's side.
  if (node.rotations.rotated > 0 && !node.rotations.holdsSigningKey) throw new KithError('UNAUTHORIZED', node.ownDevices.signingElsewhere('invite'))
}

export async function createInvite (node: KithNode, opts: { label: string, expiresInMs: number | null }): Promise<InviteRow> {
  mustMakeFriends(node)
  return node.invites.create(opts)
}

export async function listInvites (node: KithNode, names: Map<string, string>): Promise<InviteSummary[]> {
  return (await node.invites.list()).map((row) => inviteSummary(node, row, names))
}

/** Redeems a friend's invite over a session with them; returns their profile. */
export async function acceptInvite (node: KithNode, address: string, token: string, signal?: AbortSignal): Promise<Profile> {
  const ownerKey = parseAddress(address)
  if (toHex(ownerKey) === node.keyHex) throw new KithError('BAD_REQUEST', 'This is your own invite: send it to a friend.')
  mustMakeFriends(node)
  // The owner sits in a swarm named after the invite's token.
  const session = await node.getSession(ownerKey, { signal, inviteToken: token })
  const { parseRedeemAnswer } = await import('../../shared/protocol/answers') // loaded with the first session
  const { owner } = parseRedeemAnswer(await session.rpc.call('redeemInvite', { token, profile: node.profile }, { signal, timeoutMs: 15_000 }), addressFromPublicKey(ownerKey))
  await node.friends.add({ key: toHex(ownerKey), address: addressFromPublicKey(ownerKey), displayName: owner.displayName })
  // The session opened while we were strangers: the friends' questions now.
  node.friendJoined(toHex(ownerKey))
  return owner
}

/** An invite in the UI's terms: expired once past its time, who used it, its link while pending. */
export function inviteSummary (node: KithNode, row: InviteRow, names: Map<string, string>): InviteSummary {
  const expired = row.status === 'pending' && row.expiresAt !== null && row.expiresAt <= Date.now()
  const summary: InviteSummary = {
    id: row.id,
    label: row.label,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    status: expired ? 'expired' : row.status
  }
  if (row.usedBy) summary.usedByName = names.get(row.usedBy) ?? 'a former friend'
  if (summary.status === 'pending') summary.link = inviteLink(node.address, row.token, node.profile.displayName)
  return summary
}

/** Built from where this tab was opened, so it works wherever that address
 *  does (npm start on 0.0.0.0: open the LAN URL to invite a phone). */
export function inviteLink (address: string, token: string, inviterName = ''): string {
  const base = typeof location === 'undefined' ? 'https://kith.invalid/' : `${location.origin}${location.pathname}`
  return `${base}${inviteFragment(address, token, inviterName)}`
}
