// Random bytes from the platform (crypto.getRandomValues, available in every
// browser context, plain http too, and in Node): no cryptography library, so
// code that only needs fresh ids stays out of the lazily loaded crypto code.
const MAX_PER_CALL = 65536 // getRandomValues refuses more at once

export function randomBytes (n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += MAX_PER_CALL) crypto.getRandomValues(out.subarray(i, Math.min(n, i + MAX_PER_CALL)))
  return out
}
