// The node's network half: trackers, WebRTC, the session handshake and RPC
// (with msgpack), the swarms it meets in and the RPC methods it serves. The
// node loads it with import() (network-loader.ts) when it first listens or
// dials, so opening a node and showing its data needs only its storage code:
// the app's first screen does not wait for this (bench/README.md, kith-app).
export { dial } from './discovery/dialer'
export { Listener } from './discovery/listener'
export { establishSession } from '../shared/session/session'
export { HandshakeError } from '../shared/session/handshake'
export { addressMeeting, deviceMeeting, inviteMeeting, pairMeeting } from '../shared/rendezvous/meetings'
export { basicHandlers } from './handlers/basic'
export { inviteHandlers } from './handlers/invites'
export { itemHandlers } from './handlers/items'
export { ownerDeviceHandlers } from './sync/handlers'
export { openLinkCode } from './linking/approve-link'
export { SpentLinkCodes } from '../shared/linking/link-code'
export { ManualConnections } from './discovery/manual-connect'
export { sessionHandlers } from './handlers/session-handlers'
export { learnFriendRevocations } from './devices/friend-revocations'
export { MeetingPlan } from './rendezvous/meeting-plan'
export { ConnectionCodes } from './rendezvous/connection-codes'
export { ownRecoveryRecord, learnFriendRecoveryRecord } from './person/recovery'
