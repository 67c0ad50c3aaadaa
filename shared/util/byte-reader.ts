// Fixed-layout binary fields, big-endian, for the short codes people carry by
// hand (connection codes). The reader never reads past its input: it throws
// instead, so a truncated field is an error, never a shorter value.

export class ByteWriter {
  private readonly parts: number[] = []

  u8 (n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError('not a byte')
    this.parts.push(n)
    return this
  }

  u16 (n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError('not a 16-bit number')
    return this.u8(n >> 8).u8(n & 0xff)
  }

  u32 (n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('not a 32-bit number')
    return this.u16(Math.floor(n / 0x10000)).u16(n % 0x10000)
  }

  bytes (b: Uint8Array): this {
    for (const x of b) this.parts.push(x)
    return this
  }

  done (): Uint8Array {
    return Uint8Array.from(this.parts)
  }
}

export class ByteReader {
  private at = 0

  constructor (private readonly input: Uint8Array) {}

  bytes (n: number): Uint8Array {
    if (n < 0 || this.at + n > this.input.length) throw new RangeError('past the end')
    const out = this.input.slice(this.at, this.at + n)
    this.at += n
    return out
  }

  u8 (): number { return this.bytes(1)[0]! }
  u16 (): number { const b = this.bytes(2); return b[0]! << 8 | b[1]! }
  u32 (): number { return this.u16() * 0x10000 + this.u16() }
  /** `n` bytes as characters 0–255 (the caller checks which it allows). */
  ascii (n: number): string { return String.fromCharCode(...this.bytes(n)) }
  atEnd (): boolean { return this.at === this.input.length }
}
