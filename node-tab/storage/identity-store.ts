// The owner's key pair: made on first open, then read back unchanged on every
// reload. Creation runs in a transaction so two tabs opening at once cannot
// each make a different identity.
import { keyPairMatches } from '../../shared/crypto'
import { createIdentity, type Identity } from '../../shared/identity'
import type { NodeDatabase } from './db'

export async function loadOrCreateIdentity (db: NodeDatabase): Promise<Identity> {
  return db.transaction('rw', db.identity, async () => {
    const row = await db.identity.get('self')
    if (row) {
      const identity = { publicKey: new Uint8Array(row.publicKey), secretKey: new Uint8Array(row.secretKey) }
      if (!keyPairMatches(identity)) throw new Error('The stored identity is damaged: its secret key does not match its public key.')
      return identity
    }
    const identity = createIdentity()
    await db.identity.put({ id: 'self', publicKey: identity.publicKey, secretKey: identity.secretKey, createdAt: Date.now() })
    return identity
  })
}
