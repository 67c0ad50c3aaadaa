// The node's serving half as the node holds it: loaded once, with import()
// and the cryptography code (everything it does signs, seals or checks, and
// the app's first screen loads neither), and what waits for it meanwhile.
import { loadCrypto } from '../shared/crypto/crypto'
import { KithError } from '../shared/wire/errors'
import { closeParts } from './node-lifecycle'
import type { NodeHooks, StorageParts } from './node-parts'
import type { ServingParts } from './node-serving'
import type { RecoveryAsked } from './node-wiring'

export interface ServingHalfOptions {
  hooks: NodeHooks
  storage: StorageParts
  closed: () => boolean
  recoveryAsked: (detail: RecoveryAsked) => void
  /** The parts the node exposes, set on it before they start loading what they keep. */
  expose: (parts: Omit<ServingParts, 'wired' | 'meetAgain'>) => void
  loaded: () => void
}

export class ServingHalf {
  /** Set once loaded (and not closed meanwhile). */
  parts: ServingParts | null = null
  private loading: Promise<ServingParts> | null = null

  constructor (private readonly opts: ServingHalfOptions) {}

  /** Loaded once; refused once the node has stopped. */
  load (): Promise<ServingParts> {
    this.loading ??= this.build().catch((err: unknown) => {
      this.loading = null // a later ask tries again
      throw err
    })
    return this.loading
  }

  /** Now if loaded, else once it has (it sends what is waiting as it
   *  starts, so nothing is lost by waiting). */
  after (then: (parts: ServingParts) => void): void {
    if (this.parts) { then(this.parts); return }
    this.load().then((s) => { if (!this.opts.closed()) then(s) }, () => { /* stopped: nothing to send */ })
  }

  private async build (): Promise<ServingParts> {
    const { hooks, storage, closed } = this.opts
    const [{ buildServingParts, loadServingParts }] = await Promise.all([import('./node-serving'), loadCrypto()])
    if (closed()) throw new KithError('CLOSED', 'This node has stopped.')
    const parts = buildServingParts(hooks, storage, this.opts.recoveryAsked)
    const { wired: _wired, meetAgain: _meetAgain, ...exposed } = parts
    this.opts.expose(exposed)
    await loadServingParts({ ownDevices: parts.ownDevices, items: storage.items })
    // Closed while it loaded: nothing of it may keep running.
    if (closed()) { closeParts(storage, parts); throw new KithError('CLOSED', 'This node has stopped.') }
    this.parts = parts
    this.opts.loaded()
    return parts
  }
}
