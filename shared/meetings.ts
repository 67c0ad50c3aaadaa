// A meeting is one swarm together with what an offer into it must prove.
// Both sides build the same kind of meeting for a swarm: the listener for
// itself as recipient, the dialler for the person it wants. The listener only
// maps a swarm's name to its meeting, so the secret behind a friendship can
// be replaced (device revocation) without touching how offers are checked.
import { utf8 } from './bytes'
import {
  inviteTopic, openOffer, openSwarmOffer, pairTopic, personTopic, sealOffer, sealSwarmOffer, swarmOfferKey,
  type OfferSeal, type SealedOffer
} from './rendezvous'

export type MeetingKind = 'pair' | 'invite' | 'address'

/** A swarm named after a secret: only offers sealed with its key open. */
export interface SecretMeeting { kind: 'pair' | 'invite', topic: string, offerKey: Uint8Array }

/** The opt-in address swarm: offers are sealed to the recipient's public
 *  key, which anyone who knows the address can do. */
export interface AddressMeeting { kind: 'address', topic: string, recipientKey: Uint8Array }

export type Meeting = SecretMeeting | AddressMeeting

/** Where two friends meet; `secret` is pairSecret() of the two (or whatever
 *  meeting secret replaces it). */
export function pairMeeting (secret: Uint8Array, epoch: number, recipientKey: Uint8Array): SecretMeeting {
  const topic = pairTopic(secret, epoch)
  return { kind: 'pair', topic, offerKey: swarmOfferKey(secret, topic, recipientKey) }
}

/** Where the holder of an invite meets its owner (the recipient). */
export function inviteMeeting (token: string, epoch: number, recipientKey: Uint8Array): SecretMeeting {
  const topic = inviteTopic(token, epoch)
  return { kind: 'invite', topic, offerKey: swarmOfferKey(utf8(token), topic, recipientKey) }
}

/** The recipient's address swarm (only joined when they chose to be found). */
export function addressMeeting (recipientKey: Uint8Array, epoch: number): AddressMeeting {
  return { kind: 'address', topic: personTopic(recipientKey, epoch), recipientKey }
}

export function sealOfferFor (meeting: Meeting, sdp: string, nowMs: number): OfferSeal {
  return meeting.kind === 'address'
    ? sealOffer(sdp, meeting.recipientKey, nowMs)
    : sealSwarmOffer(sdp, meeting.offerKey, nowMs)
}

/** Opens an offer the way its swarm demands: a pair or invite swarm never
 *  accepts an offer sealed to the public key alone. `boxSecretKey` is the
 *  recipient's, used only for the address swarm (null where this device
 *  does not hold it: nothing opens there). */
export function openOfferIn (meeting: Meeting, payload: string, boxSecretKey: Uint8Array | null, nowMs: number): SealedOffer | null {
  if (meeting.kind === 'address') return boxSecretKey ? openOffer(payload, boxSecretKey, nowMs) : null
  return openSwarmOffer(payload, meeting.offerKey, nowMs)
}
