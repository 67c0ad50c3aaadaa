// Page-side helpers shared by the bench pages. All timing happens here, in the
// page, with performance.now(); Node only collects the numbers.

/** Rejects after `ms` unless `promise` settles first. */
export function withTimeout (promise, ms, what = 'operation') {
  let timer
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A FIFO of incoming messages with awaitable `next()`. */
export class Inbox {
  constructor () {
    this.items = []
    this.waiters = []
  }

  push (item) {
    const w = this.waiters.shift()
    if (w) w.resolve(item)
    else this.items.push(item)
  }

  fail (err) {
    for (const w of this.waiters.splice(0)) w.reject(err)
  }

  next (ms, what = 'message') {
    if (this.items.length > 0) return Promise.resolve(this.items.shift())
    return withTimeout(new Promise((resolve, reject) => this.waiters.push({ resolve, reject })), ms, what)
  }
}

/** 20-character binary string (what the WebTorrent tracker protocol wants). */
export function randomBinaryString (length = 20) {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  return String.fromCharCode(...bytes)
}

/** Resolves once ICE gathering completes (non-trickle), bounded by `ms`. */
export function iceGatheringComplete (pc, ms = 5000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      pc.removeEventListener('icegatheringstatechange', check)
      resolve()
    }
    const check = () => { if (pc.iceGatheringState === 'complete') done() }
    // Gathering with no ICE servers is quick; if it stalls, go on with the
    // candidates gathered so far (they are already in localDescription).
    const timer = setTimeout(done, ms)
    pc.addEventListener('icegatheringstatechange', check)
  })
}
