// Large messages arriving in chunks, one per direction and id. Chunks are
// kept as they came and joined once at the end: memory follows the bytes
// actually received, not the size a peer announced (a stream of bare Large
// headers costs nothing). A request whose chunks stop coming would hold its
// buffer for the whole session, so it is dropped after a quiet spell (a
// result is bounded by its call's timeout instead).
import { REQUEST_DIRECTION, type Direction } from './codec'

interface Assembly { parts: Uint8Array[], received: number, totalBytes: number, idle?: ReturnType<typeof setTimeout> }

/** What one chunk did to its message. */
export type ChunkOutcome =
  | { kind: 'unknown' } // cancelled, refused or never announced
  | { kind: 'overflow' } // more bytes than announced: the message is dropped
  | { kind: 'partial', received: number, totalBytes: number }
  | { kind: 'complete', bytes: Uint8Array, totalBytes: number }

export class Assemblies {
  private readonly byKey = new Map<string, Assembly>()

  /** `onIdle`: a request's chunks stopped coming and it was dropped. */
  constructor (private readonly idleMs: number, private readonly onIdle: (id: number) => void) {}

  get size (): number {
    return this.byKey.size
  }

  /** A Large header: a message of `totalBytes` starts under this id (replacing one there). */
  start (direction: Direction, id: number, totalBytes: number): void {
    const k = key(direction, id)
    this.drop(direction, id)
    const assembly: Assembly = { parts: [], received: 0, totalBytes }
    this.byKey.set(k, assembly)
    if (direction === REQUEST_DIRECTION) this.armIdle(k, id, assembly)
  }

  drop (direction: Direction, id: number): void {
    this.dropKey(key(direction, id))
  }

  clear (): void {
    for (const k of [...this.byKey.keys()]) this.dropKey(k)
  }

  /** Large requests from the peer still arriving: how many, and their size. */
  incomingRequests (): { count: number, bytes: number } {
    let count = 0
    let bytes = 0
    for (const [k, assembly] of this.byKey) {
      if (!k.startsWith(`${REQUEST_DIRECTION}:`)) continue
      count++
      bytes += assembly.totalBytes
    }
    return { count, bytes }
  }

  add (direction: Direction, id: number, bytes: Uint8Array): ChunkOutcome {
    const k = key(direction, id)
    const assembly = this.byKey.get(k)
    if (!assembly) return { kind: 'unknown' }
    if (assembly.received + bytes.length > assembly.totalBytes) {
      this.dropKey(k)
      return { kind: 'overflow' }
    }
    if (bytes.length > 0) assembly.parts.push(bytes)
    assembly.received += bytes.length
    if (assembly.received < assembly.totalBytes) {
      if (assembly.idle !== undefined) this.armIdle(k, id, assembly)
      return { kind: 'partial', received: assembly.received, totalBytes: assembly.totalBytes }
    }
    this.dropKey(k)
    return { kind: 'complete', bytes: joinParts(assembly.parts, assembly.totalBytes), totalBytes: assembly.totalBytes }
  }

  private armIdle (k: string, id: number, assembly: Assembly): void {
    if (assembly.idle !== undefined) clearTimeout(assembly.idle)
    assembly.idle = setTimeout(() => {
      if (this.byKey.get(k) !== assembly) return
      this.byKey.delete(k)
      this.onIdle(id)
    }, this.idleMs)
  }

  private dropKey (k: string): void {
    const assembly = this.byKey.get(k)
    if (!assembly) return
    if (assembly.idle !== undefined) clearTimeout(assembly.idle)
    this.byKey.delete(k)
  }
}

function key (direction: Direction, id: number): string {
  return `${direction}:${id}`
}

function joinParts (parts: Uint8Array[], totalBytes: number): Uint8Array {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(totalBytes)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
