// Request/response over an authenticated Transport. No signature per message:
// the session handshake already proved who is on the other end of this very
// DTLS connection, so a frame is just msgpack. Requests carry ids, time out,
// can be cancelled with an AbortSignal, and fail with typed errors that cross
// the wire as {code, message}. Messages larger than one frame are streamed in
// chunks, pausing on the transport's bufferedAmount. A handler may answer a
// ByteStream whose bytes are produced only as the channel drains; answers
// waiting to go out count against per-peer and whole-node byte budgets.
import type { Decoder } from '@msgpack/msgpack'
import {
  createDecoder, decodeChunk, decodeFrame, encodeFrame, FrameType, isChunkFrame,
  REQUEST_DIRECTION, RESULT_DIRECTION, salvageRequestId, CHUNK_HEADER_BYTES, type Direction, type Frame
} from './codec'
import { fromWireError, KithError, toWireError } from './errors'
import type { Transport } from './transport'
import { ByteBudget, takeAll } from './byte-budget'
import { ChunkSender } from './chunk-sender'
import { Assemblies } from './assemblies'
import { encodeStreamedResult, type StreamedResult } from './streamed-result'
import { StreamedPieces } from './streamed-pieces'
import { RPC_DEFAULTS, type CallOptions, type MethodTable, type RpcHandlers, type RpcOptions, type RpcStats } from './rpc-types'

export type { CallOptions, HandlerContext, MethodTable, RpcHandlers, RpcOptions, RpcStats } from './rpc-types'
export { DEFAULT_MAX_HELD_BYTES } from './rpc-types'

interface PendingCall {
  resolve: (value: unknown) => void
  reject: (err: KithError) => void
  onProgress?: CallOptions['onProgress']
  maxResultBytes?: number
  cleanup: () => void
}

const BUSY = 'the node is busy sending other answers: try again shortly'
/** How long a goodbye gets to leave before the channel closes. */
const GOODBYE_GRACE_MS = 50

export class RpcPeer<Remote extends MethodTable, Local extends MethodTable = MethodTable> {
  private readonly transport: Transport
  private readonly handlers: Partial<RpcHandlers<Local>>
  private readonly opts: Required<RpcOptions>
  private readonly decoder: Decoder
  private nextId = 1
  private readonly pending = new Map<number, PendingCall>()
  private readonly inFlight = new Map<number, AbortController>()
  /** Large messages being received (assemblies.ts). */
  private readonly assemblies: Assemblies
  private closedReason: string | null = null
  private readonly detach: Array<() => void> = []
  private readonly budgets: ByteBudget[]
  /** What streamed answers may read ahead (StreamedPieces), per peer and node-wide. */
  private readonly readBudgets: ByteBudget[]
  private readonly peerBudget: ByteBudget
  private readonly sender: ChunkSender

  constructor (transport: Transport, handlers: Partial<RpcHandlers<Local>>, opts: RpcOptions = {}) {
    this.transport = transport
    this.handlers = handlers
    this.opts = { ...RPC_DEFAULTS, maxRequestBytes: opts.maxMessageBytes ?? RPC_DEFAULTS.maxMessageBytes, ...opts }
    this.opts.chunkBytes = Math.min(this.opts.chunkBytes, transport.maxFrameSize - CHUNK_HEADER_BYTES)
    this.decoder = createDecoder(this.opts.maxMessageBytes)
    this.peerBudget = new ByteBudget(this.opts.maxHeldBytes)
    this.budgets = this.opts.nodeBudget ? [this.peerBudget, this.opts.nodeBudget] : [this.peerBudget]
    const peerRead = new ByteBudget(this.opts.maxReadAheadBytes)
    this.readBudgets = this.opts.maxReadAheadBytes <= 0 ? [] : this.opts.nodeReadBudget ? [peerRead, this.opts.nodeReadBudget] : [peerRead]
    this.sender = new ChunkSender(transport, this.opts.chunkBytes, this.opts.highWaterMark)
    this.assemblies = new Assemblies(this.opts.assemblyIdleMs, (id) => this.sendError(id, new KithError('TIMEOUT', 'the rest of the request never came')))
    this.detach.push(transport.onMessage((frame) => this.receive(frame)))
    this.detach.push(transport.onClose((reason) => this.shutDown(reason)))
    if (transport.closed) this.shutDown('closed')
  }

  get closed (): boolean { return this.closedReason !== null }

  /** Why the session ended (ours, or the peer's goodbye), null while open. */
  get closeReason (): string | null { return this.closedReason }

  stats (): RpcStats {
    return { pending: this.pending.size, inFlight: this.inFlight.size, assemblies: this.assemblies.size, heldBytes: this.peerBudget.held }
  }

  call<M extends keyof Remote & string> (method: M, params: Remote[M]['params'], options: CallOptions = {}): Promise<Remote[M]['result']> {
    if (this.closedReason !== null) return Promise.reject(new KithError('CLOSED', this.closedReason))
    if (options.signal?.aborted) return Promise.reject(new KithError('CANCELLED', 'cancelled before it was sent'))
    const id = this.allocateId()
    let encoded: Uint8Array
    try {
      encoded = encodeFrame({ type: FrameType.Request, id, method, params })
    } catch {
      // e.g. a bigint or a function in params: a typed rejection, not a throw.
      return Promise.reject(new KithError('BAD_REQUEST', `${method} was given parameters that cannot be sent`))
    }
    if (encoded.length > this.opts.maxMessageBytes) {
      return Promise.reject(new KithError('TOO_LARGE', `request of ${encoded.length} bytes exceeds the limit of ${this.opts.maxMessageBytes}`))
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.opts.defaultTimeoutMs
      const timer = setTimeout(() => this.abandon(id, new KithError('TIMEOUT', `${method} got no answer within ${timeoutMs} ms`)), timeoutMs)
      const onAbort = (): void => this.abandon(id, new KithError('CANCELLED', `${method} was cancelled`))
      options.signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: options.onProgress,
        maxResultBytes: options.maxResultBytes,
        cleanup: () => {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', onAbort)
          this.assemblies.drop(RESULT_DIRECTION, id)
        }
      })
      this.sendMessage(id, REQUEST_DIRECTION, encoded, () => !this.pending.has(id))
        .catch((err: unknown) => this.settle(id, err instanceof KithError ? err : new KithError('INTERNAL', 'send failed')))
    })
  }

  close (reason = 'closed'): void {
    this.transport.close(reason)
    this.shutDown(reason)
  }

  /** Closes and tells the peer why, in a Goodbye frame (as a refused
   *  handshake does), so its calls fail with the reason rather than a bare
   *  "closed". The channel goes a moment later, once the goodbye has left. */
  closeWithGoodbye (reason: string): void {
    if (this.closedReason !== null) return
    this.trySend(encodeFrame({ type: FrameType.Goodbye, reason }))
    this.shutDown(reason)
    setTimeout(() => this.transport.close(reason), GOODBYE_GRACE_MS)
  }

  private allocateId (): number {
    const id = this.nextId
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1
    return id
  }

  /** Gives up on a call locally and tells the peer to stop working on it. */
  private abandon (id: number, err: KithError): void {
    if (!this.pending.has(id)) return
    this.settle(id, err)
    this.trySend(encodeFrame({ type: FrameType.Cancel, id }))
  }

  private settle (id: number, err: KithError | null, value?: unknown): void {
    const call = this.pending.get(id)
    if (!call) return
    this.pending.delete(id)
    call.cleanup()
    if (err) call.reject(err)
    else call.resolve(value)
  }

  /** Sends one message, as a single frame or as chunks with back-pressure.
   *  `stop` is checked between chunks so a cancelled transfer ends early. */
  private async sendMessage (id: number, direction: Direction, encoded: Uint8Array, stop: () => boolean): Promise<void> {
    if (encoded.length <= this.opts.chunkBytes) {
      this.transport.send(encoded)
      return
    }
    let sent = false
    await this.sender.send(id, direction, encoded.length, () => {
      if (sent) return null
      sent = true
      return encoded
    }, () => stop() || this.closedReason !== null)
  }

  private trySend (frame: Uint8Array): void {
    if (this.closedReason !== null) return
    try {
      this.transport.send(frame)
    } catch { /* closed underneath us: shutDown follows */ }
  }

  private receive (bytes: Uint8Array): void {
    if (this.closedReason !== null) return
    if (isChunkFrame(bytes)) return this.receiveChunk(bytes)
    // A single frame over our limit (the sender's chunk size may exceed it):
    // our limited decoder would drop it unread and leave the other side waiting.
    if (bytes.length > this.opts.maxMessageBytes) return this.refuseOversized(bytes)
    let frame: Frame
    try {
      frame = decodeFrame(bytes, this.decoder)
    } catch (err) {
      const id = salvageRequestId(bytes, this.decoder)
      if (id !== null) this.sendError(id, err instanceof KithError ? err : new KithError('BAD_REQUEST', 'malformed request'))
      return
    }
    this.dispatch(frame)
  }

  private refuseOversized (bytes: Uint8Array): void {
    const err = new KithError('TOO_LARGE', `a message of ${bytes.length} bytes exceeds the limit of ${this.opts.maxMessageBytes}`)
    // The default decoder is safe here: the transport already capped the frame's size.
    let frame: Frame
    try {
      frame = decodeFrame(bytes)
    } catch {
      const id = salvageRequestId(bytes)
      if (id !== null) this.sendError(id, err)
      return
    }
    if (frame.type === FrameType.Request) this.sendError(frame.id, err)
    else if (frame.type === FrameType.Result) this.settle(frame.id, err)
  }

  private dispatch (frame: Frame): void {
    switch (frame.type) {
      case FrameType.Request: return void this.handleRequest(frame.id, frame.method, frame.params)
      case FrameType.Result: return this.settle(frame.id, null, frame.result)
      case FrameType.Error: return this.settle(frame.id, fromWireError(frame.code, frame.message))
      case FrameType.Cancel:
        this.inFlight.get(frame.id)?.abort()
        this.assemblies.drop(REQUEST_DIRECTION, frame.id)
        return
      case FrameType.Large: return this.startAssembly(frame.id, frame.direction, frame.totalBytes)
      // The peer is closing and says why (at most 300 characters, see codec).
      case FrameType.Goodbye: return this.close(`the other side closed the connection: ${frame.reason}`)
      default:
        // Handshake frames after the handshake are a confused or hostile peer.
        return
    }
  }

  private startAssembly (id: number, direction: Direction, totalBytes: number): void {
    if (direction === RESULT_DIRECTION) {
      const call = this.pending.get(id)
      if (!call) return
      const limit = Math.min(this.opts.maxMessageBytes, call.maxResultBytes ?? Infinity)
      if (totalBytes > limit) return this.abandon(id, new KithError('TOO_LARGE', `the answer of ${totalBytes} bytes exceeds the limit of ${limit}`))
    } else if (totalBytes > this.opts.maxRequestBytes) {
      return this.sendError(id, new KithError('TOO_LARGE', `request of ${totalBytes} bytes exceeds the limit of ${this.opts.maxRequestBytes}`))
    } else {
      const incoming = this.assemblies.incomingRequests()
      // Cap what a peer's unfinished requests may make us hold at once.
      if (this.inFlight.size + incoming.count >= this.opts.maxConcurrentRequests || incoming.bytes + totalBytes > this.opts.maxRequestBytes * 2) {
        return this.sendError(id, new KithError('RATE_LIMITED', 'too many large requests at once'))
      }
    }
    this.assemblies.start(direction, id, totalBytes)
  }

  private receiveChunk (bytes: Uint8Array): void {
    let chunk
    try {
      chunk = decodeChunk(bytes)
    } catch {
      return
    }
    const outcome = this.assemblies.add(chunk.direction, chunk.id, chunk.bytes)
    const refuse = (err: KithError): void => {
      if (chunk.direction === RESULT_DIRECTION) this.settle(chunk.id, err)
      else this.sendError(chunk.id, err)
    }
    if (outcome.kind === 'unknown') return
    if (outcome.kind === 'overflow') {
      const err = new KithError('BAD_REQUEST', 'more bytes arrived than were announced')
      if (chunk.direction === RESULT_DIRECTION) this.abandon(chunk.id, err)
      else this.sendError(chunk.id, err)
      return
    }
    if (outcome.kind === 'partial') {
      if (chunk.direction === RESULT_DIRECTION) this.pending.get(chunk.id)?.onProgress?.(outcome.received, outcome.totalBytes)
      return
    }
    if (chunk.direction === RESULT_DIRECTION) this.pending.get(chunk.id)?.onProgress?.(outcome.totalBytes, outcome.totalBytes)
    let frame: Frame
    try {
      frame = decodeFrame(outcome.bytes, this.decoder)
    } catch (err) {
      return refuse(err instanceof KithError ? err : new KithError('BAD_REQUEST', 'malformed message'))
    }
    // The id inside must be the id the chunks were sent under, and chunks carry
    // only what may be large: a request one way, a result or error the other.
    const fits = chunk.direction === REQUEST_DIRECTION
      ? frame.type === FrameType.Request
      : frame.type === FrameType.Result || frame.type === FrameType.Error
    if (fits && 'id' in frame && frame.id === chunk.id) return this.dispatch(frame)
    refuse(new KithError('BAD_REQUEST', `the message sent in chunks under id ${chunk.id} does not match that id`))
  }

  private async handleRequest (id: number, method: string, params: unknown): Promise<void> {
    if (this.inFlight.has(id)) return this.sendError(id, new KithError('BAD_REQUEST', `request id ${id} is already in use`))
    if (this.inFlight.size >= this.opts.maxConcurrentRequests) {
      return this.sendError(id, new KithError('RATE_LIMITED', 'too many requests at once'))
    }
    const handler = Object.hasOwn(this.handlers, method) ? this.handlers[method as keyof Local] : undefined
    if (!handler) return this.sendError(id, new KithError('BAD_REQUEST', `unknown method “${method.slice(0, 64)}”`))
    const controller = new AbortController()
    this.inFlight.set(id, controller)
    try {
      const result: unknown = await handler(params, { signal: controller.signal })
      const streamed = encodeStreamedResult(id, result)
      if (streamed) return await this.sendStreamedResult(id, streamed, controller.signal)
      if (controller.signal.aborted) return
      const encoded = encodeFrame({ type: FrameType.Result, id, result })
      if (encoded.length > this.opts.maxMessageBytes) {
        throw new KithError('TOO_LARGE', `the answer of ${encoded.length} bytes exceeds the limit of ${this.opts.maxMessageBytes}`)
      }
      if (encoded.length <= this.opts.chunkBytes) return this.transport.send(encoded)
      // Held whole until its last chunk is handed over: count it while it waits.
      if (!takeAll(this.budgets, encoded.length)) throw new KithError('RATE_LIMITED', BUSY)
      try {
        await this.sendMessage(id, RESULT_DIRECTION, encoded, () => controller.signal.aborted)
      } finally {
        for (const b of this.budgets) b.release(encoded.length)
      }
    } catch (err) {
      if (!controller.signal.aborted) this.sendError(id, err)
    } finally {
      this.inFlight.delete(id)
    }
  }

  /** Sends an answer whose bytes come from a ByteStream, pulling each piece
   *  only once the previous chunk was handed to the transport. */
  private async sendStreamedResult (id: number, streamed: StreamedResult, signal: AbortSignal): Promise<void> {
    const { totalBytes } = streamed
    const pieces = new StreamedPieces(streamed, this.budgets, signal, this.readBudgets)
    try {
      if (signal.aborted) return
      if (totalBytes > this.opts.maxMessageBytes) {
        throw new KithError('TOO_LARGE', `the answer of ${totalBytes} bytes exceeds the limit of ${this.opts.maxMessageBytes}`)
      }
      // The chunk being filled is what a stream holds; admit it only if it fits.
      if (!pieces.admit(Math.min(totalBytes, this.opts.chunkBytes))) throw new KithError('RATE_LIMITED', BUSY)
      const stop = (): boolean => signal.aborted || this.closedReason !== null
      if (totalBytes <= this.opts.chunkBytes) {
        const whole = new Uint8Array(totalBytes)
        let at = 0
        for (let piece = await pieces.next(totalBytes); piece; piece = await pieces.next(totalBytes - at)) {
          whole.set(piece, at)
          at += piece.length
        }
        if (!stop()) this.transport.send(whole)
        return
      }
      await this.sender.send(id, RESULT_DIRECTION, totalBytes, pieces.next, stop)
    } finally {
      pieces.close()
    }
  }

  private sendError (id: number, err: unknown): void {
    const wire = toWireError(err)
    this.trySend(encodeFrame({ type: FrameType.Error, id, code: wire.code, message: wire.message }))
  }

  private shutDown (reason: string): void {
    if (this.closedReason !== null) return
    this.closedReason = reason
    for (const off of this.detach) off()
    for (const controller of this.inFlight.values()) controller.abort()
    this.inFlight.clear()
    this.assemblies.clear()
    for (const id of [...this.pending.keys()]) this.settle(id, new KithError('CLOSED', `the connection closed: ${reason}`))
  }
}
