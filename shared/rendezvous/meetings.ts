// A meeting is one swarm together with what an offer into it must prove.
// Both sides build the same kind of meeting for a swarm: the listener for
// itself as recipient, the dialler for the person it wants. The listener only
// maps a swarm's name to its meeting, so the secret behind a friendship can
// be replaced (device revocation) without touching how offers are checked.
import { utf8 } from '../util/bytes'
import {
  deviceTopic, inviteTopic, linkTopic, openOffer, openSwarmOffer, pairTopic, personTopic, sealOffer, sealSwarmOffer, swarmOfferKey,
  type OfferSeal, type SealedOffer
} from './rendezvous'

/** pair: friends; invite: an invite's holder; address: anyone (opt-in);
 *  link: a new device and the full device linking it; device: the person's
 *  own devices, to sync. */
export type MeetingKind = 'pair' | 'invite' | 'address' | 'link' | 'device'

/** A swarm named after a secret: only offers sealed with its key open. */
export interface SecretMeeting { kind: Exclude<MeetingKind, 'address'>, topic: string, offerKey: Uint8Array }

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

/** Where a new device (the recipient, known by the key in its link code)
 *  waits for the full device holding the code. */
export function linkMeeting (secret: Uint8Array, newDeviceKey: Uint8Array): SecretMeeting {
  const topic = linkTopic(secret)
  return { kind: 'link', topic, offerKey: swarmOfferKey(secret, topic, newDeviceKey) }
}

/** Where the person's other devices reach this one (`deviceKey`, the
 *  recipient) to sync; `devicesSecret` is known only to their devices and
 *  replaced when one is revoked. */
export function deviceMeeting (devicesSecret: Uint8Array, epoch: number, deviceKey: Uint8Array): SecretMeeting {
  const topic = deviceTopic(devicesSecret, deviceKey, epoch)
  return { kind: 'device', topic, offerKey: swarmOfferKey(devicesSecret, topic, deviceKey) }
}

/** The recipient's address swarm (only joined when they chose to be found). */
export function addressMeeting (recipientKey: Uint8Array, epoch: number): AddressMeeting {
  return { kind: 'address', topic: personTopic(recipientKey, epoch), recipientKey }
}

/** `restartTag`: an ICE restart offer for a live session (ice-restart-tag.ts). */
export function sealOfferFor (meeting: Meeting, sdp: string, nowMs: number, restartTag?: Uint8Array): OfferSeal {
  return meeting.kind === 'address'
    ? sealOffer(sdp, meeting.recipientKey, nowMs, restartTag)
    : sealSwarmOffer(sdp, meeting.offerKey, nowMs, restartTag)
}

/** Opens an offer the way its swarm demands: a pair or invite swarm never
 *  accepts an offer sealed to the public key alone. `boxSecretKey` is the
 *  recipient's, used only for the address swarm (null where this device
 *  does not hold it: nothing opens there). */
export function openOfferIn (meeting: Meeting, payload: string, boxSecretKey: Uint8Array | null, nowMs: number): SealedOffer | null {
  if (meeting.kind === 'address') return boxSecretKey ? openOffer(payload, boxSecretKey, nowMs) : null
  return openSwarmOffer(payload, meeting.offerKey, nowMs)
}
