// An ICE restart reuses the live session (its DTLS and its handshake), so
// its offer must name that session in a way only the two ends can: a tag
// derived from the handshake transcript, which holds both DTLS fingerprints
// and the two nonces exchanged inside DTLS. Nobody else saw the nonces, so
// nobody else can make the tag, and it differs for every session.
import { concatBytes, utf8 } from '../util/bytes'
import { sha512 } from '../crypto/crypto'

const RESTART_LABEL = utf8('kith/ice-restart/v1')

export function restartTag (transcript: Uint8Array): Uint8Array {
  return sha512(concatBytes(RESTART_LABEL, transcript)).subarray(0, 32)
}
