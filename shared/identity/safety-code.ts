// A short code two friends compare in person: the same on both sides because
// it hashes both public keys in a fixed (sorted) order.
import { concatBytes, utf8 } from '../util/bytes'
import { sha512 } from '../crypto/crypto'

export function safetyCode (keyA: Uint8Array, keyB: Uint8Array): string {
  const [first, second] = compareBytes(keyA, keyB) <= 0 ? [keyA, keyB] : [keyB, keyA]
  const digest = sha512(concatBytes(utf8('kith/safety-code/v1'), first, second))
  // Four groups of five digits (about 66 bits): easy to read aloud.
  const groups: string[] = []
  for (let i = 0; i < 4; i++) {
    const n = ((digest[i * 3]! << 16) | (digest[i * 3 + 1]! << 8) | digest[i * 3 + 2]!) % 100_000
    groups.push(n.toString().padStart(5, '0'))
  }
  return groups.join(' ')
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}
