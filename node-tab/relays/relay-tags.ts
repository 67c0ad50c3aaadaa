// The tag a topic goes under on relays. The topic is the swarm name the
// dialler and listener already use (derived from the meeting's secret, or
// the address, and the epoch: shared/rendezvous/meetings.ts); it is hashed
// once more under a label of its own, so what a relay sees is not the
// tracker's info hash: a tracker and a relay comparing notes cannot match a
// swarm by its name. Like the topic, the tag changes every epoch and differs
// for every pair.
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, toHex, utf8 } from '../../shared/util/bytes'

const LABEL = utf8('kith relay rendezvous tag v1\0')

export function relayTag (topic: string): string {
  return toHex(sha256(concatBytes(LABEL, utf8(topic))))
}
