// The app loads its cryptography code lazily (shared/crypto/crypto.ts) and waits
// for it before any use; unit tests use it from the first line.
import { loadCrypto } from '../../shared/crypto/crypto'
await loadCrypto()
