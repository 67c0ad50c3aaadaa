// The key scheduled backups are written with, made from the passphrase once
// when the person sets up a folder. The passphrase is not kept. What is kept
// (in IndexedDB, folder-store.ts) is scrypt's half of the key as a
// non-extractable WebCrypto HMAC key: script can use it to make a backup's
// key but cannot read it out. Anyone with this browser profile can still
// write new backups with it (they could read Kith's data there anyway); it
// does not reveal the passphrase, and it cannot open backups elsewhere
// without it (docs/using-kith.md says this).
import { BACKUP_SALT_BYTES, DEFAULT_SCRYPT, scryptBase, type PreparedBackupKey, type ScryptParams } from '../../shared/backup/backup-format'
import { randomBytes } from '../../shared/crypto/crypto'

export interface FolderKey {
  salt: Uint8Array
  kdf: ScryptParams
  /** HMAC-SHA256 keyed with scrypt(passphrase, salt); never extractable. */
  hmacKey: CryptoKey
}

export async function makeFolderKey (passphrase: string, opts: { kdf?: ScryptParams, onProgress?: (f: number) => void } = {}): Promise<FolderKey> {
  const salt = randomBytes(BACKUP_SALT_BYTES)
  const kdf = opts.kdf ?? DEFAULT_SCRYPT
  const base = await scryptBase(passphrase, salt, kdf, opts.onProgress)
  try {
    const hmacKey = await crypto.subtle.importKey('raw', base as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    return { salt, kdf, hmacKey }
  } finally {
    base.fill(0)
  }
}

/** The key for one backup file: HMAC of the base over its header, as the format derives it. */
export function preparedKey (key: FolderKey): PreparedBackupKey {
  return {
    salt: key.salt,
    kdf: key.kdf,
    keyFor: async (headerBytes) => new Uint8Array(await crypto.subtle.sign('HMAC', key.hmacKey, headerBytes as Uint8Array<ArrayBuffer>))
  }
}
