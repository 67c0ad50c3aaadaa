// The ceiling: one plain RTCDataChannel between two pages, signalled through
// the local WebTorrent WebSocket tracker (bittorrent-tracker protocol), with
// non-trickle ICE and no ICE servers. The "server" echoes messages and counts
// bulk transfers; the "client" measures.
import { Inbox, iceGatheringComplete, randomBinaryString, withTimeout } from './common.js'

const RTC_CONFIG = { iceServers: [] } // nothing may leave the machine
const CHUNK = 64 * 1024
const HIGH_WATER = 1024 * 1024 // pause sending above this many buffered bytes
const LOW_WATER = 256 * 1024 // resume when the buffer drains below this

let ws = null
let pc = null
let channel = null
const inbox = new Inbox() // client: messages from the server

/** Opens the tracker socket; `onMessage` gets every parsed tracker message. */
function openTracker (trackerUrl, onMessage) {
  return new Promise((resolve, reject) => {
    const sock = new WebSocket(trackerUrl)
    sock.onopen = () => resolve(sock)
    sock.onerror = () => reject(new Error(`cannot reach tracker ${trackerUrl}`))
    sock.onmessage = (ev) => {
      let msg
      try { msg = JSON.parse(ev.data) } catch { return }
      if (msg['failure reason']) console.error('tracker failure:', msg['failure reason'])
      onMessage(msg)
    }
  })
}

function announce (sock, fields) {
  sock.send(JSON.stringify({
    action: 'announce', uploaded: 0, downloaded: 0, left: 0, ...fields
  }))
}

// ---------------------------------------------------------------- server ---

function serveChannel (ch) {
  ch.binaryType = 'arraybuffer'
  let expecting = 0
  let received = 0
  ch.onmessage = (ev) => {
    if (typeof ev.data === 'string') {
      if (ev.data.startsWith('transfer:')) {
        expecting = Number(ev.data.slice('transfer:'.length))
        received = 0
        if (expecting <= 0) ch.send('ack:0')
      } else {
        ch.send(ev.data) // echo
      }
      return
    }
    if (expecting > 0) {
      received += ev.data.byteLength
      if (received >= expecting) {
        expecting = 0
        ch.send(`ack:${received}`)
      }
      return
    }
    ch.send(ev.data) // echo
  }
}

const answered = new Set()

async function answerOffer (sock, infoHash, peerId, msg) {
  // One client at a time: a new connect (a fresh offer) replaces the last.
  if (answered.has(msg.offer_id)) return
  answered.add(msg.offer_id)
  try { pc?.close() } catch {}
  pc = new RTCPeerConnection(RTC_CONFIG)
  pc.ondatachannel = (ev) => { channel = ev.channel; serveChannel(ev.channel) }
  await pc.setRemoteDescription(msg.offer)
  await pc.setLocalDescription(await pc.createAnswer())
  await iceGatheringComplete(pc)
  announce(sock, {
    info_hash: infoHash,
    peer_id: peerId,
    to_peer_id: msg.peer_id,
    offer_id: msg.offer_id,
    answer: { type: 'answer', sdp: pc.localDescription.sdp }
  })
}

/** Joins the swarm and waits for the tracker's reply; then answers offers. */
async function serve ({ trackerUrl, infoHash, timeoutMs = 10_000 }) {
  const peerId = randomBinaryString()
  let announced
  const ready = new Promise((resolve) => { announced = resolve })
  ws = await withTimeout(openTracker(trackerUrl, (msg) => {
    if (msg.offer && msg.offer_id) {
      answerOffer(ws, infoHash, peerId, msg).catch((err) => console.error('answer failed:', err))
    } else if (msg.action === 'announce' && !msg.answer && !msg['failure reason']) {
      announced()
    }
  }), timeoutMs, 'tracker connection')
  announce(ws, { info_hash: infoHash, peer_id: peerId, event: 'started', numwant: 0 })
  await withTimeout(ready, timeoutMs, 'server announce')
  return { ok: true }
}

// ---------------------------------------------------------------- client ---

/**
 * Connects from scratch (tracker socket, offer, answer, ICE, DTLS, SCTP) and
 * returns the time to the first echo reply.
 */
async function connect ({ trackerUrl, infoHash, timeoutMs = 20_000 }) {
  // Measured again and again: the last connection goes first, quietly.
  if (channel) channel.onclose = null
  close()
  const t0 = performance.now()
  const peerId = randomBinaryString()
  const offerId = randomBinaryString()
  let gotAnswer
  const answered = new Promise((resolve) => { gotAnswer = resolve })
  ws = await withTimeout(openTracker(trackerUrl, (msg) => {
    if (msg.answer && msg.offer_id === offerId) gotAnswer(msg.answer)
  }), timeoutMs, 'tracker connection')

  pc = new RTCPeerConnection(RTC_CONFIG)
  channel = pc.createDataChannel('bench', { ordered: true })
  channel.binaryType = 'arraybuffer'
  channel.onmessage = (ev) => inbox.push(ev.data)
  channel.onclose = () => inbox.fail(new Error('channel closed'))
  const opened = new Promise((resolve) => { channel.onopen = resolve })

  await pc.setLocalDescription(await pc.createOffer())
  await iceGatheringComplete(pc)
  announce(ws, {
    info_hash: infoHash,
    peer_id: peerId,
    event: 'started',
    numwant: 1,
    offers: [{ offer: { type: 'offer', sdp: pc.localDescription.sdp }, offer_id: offerId }]
  })
  const answer = await withTimeout(answered, timeoutMs, 'answer from server')
  await pc.setRemoteDescription(answer)
  await withTimeout(opened, timeoutMs, 'data channel open')
  channel.send('hello')
  const reply = await inbox.next(timeoutMs, 'first echo')
  const t1 = performance.now()
  if (reply !== 'hello') throw new Error(`unexpected first reply ${String(reply)}`)
  return { connectMs: t1 - t0 }
}

/** `rounds` echo round trips of `bytes` bytes each, after `warmup` unmeasured ones. */
async function rpc ({ bytes, rounds, warmup = 5, timeoutMs = 10_000 }) {
  const payload = new Uint8Array(bytes)
  crypto.getRandomValues(payload.subarray(0, Math.min(bytes, 65536)))
  const samples = []
  for (let i = 0; i < warmup + rounds; i++) {
    const t0 = performance.now()
    channel.send(payload)
    const reply = await inbox.next(timeoutMs, `echo ${i}`)
    const t1 = performance.now()
    if (!(reply instanceof ArrayBuffer) || reply.byteLength !== bytes) {
      throw new Error(`echo ${i}: got ${reply?.byteLength ?? typeof reply} bytes, sent ${bytes}`)
    }
    if (i >= warmup) samples.push(t1 - t0)
  }
  return { samples }
}

/** Sends `bytes` in 64 KiB chunks with back-pressure; time until the server's ack. */
async function transfer ({ bytes, timeoutMs = 60_000, highWater = HIGH_WATER, lowWater = LOW_WATER, chunkSize = CHUNK }) {
  const chunk = new Uint8Array(chunkSize)
  crypto.getRandomValues(chunk.subarray(0, 65536))
  channel.bufferedAmountLowThreshold = lowWater
  const drained = () => new Promise((resolve) => {
    channel.addEventListener('bufferedamountlow', resolve, { once: true })
  })
  const run = async () => {
    const t0 = performance.now()
    channel.send(`transfer:${bytes}`)
    let sent = 0
    while (sent < bytes) {
      if (channel.bufferedAmount > highWater) await drained()
      const n = Math.min(chunkSize, bytes - sent)
      channel.send(n === chunkSize ? chunk : chunk.subarray(0, n))
      sent += n
    }
    const ack = await inbox.next(timeoutMs, 'transfer ack')
    const t1 = performance.now()
    if (ack !== `ack:${bytes}`) throw new Error(`unexpected ack ${String(ack)}`)
    return { ms: t1 - t0 }
  }
  return withTimeout(run(), timeoutMs, `transfer of ${bytes} bytes`)
}

function close () {
  try { channel?.close() } catch {}
  try { pc?.close() } catch {}
  try { ws?.close() } catch {}
}

window.bench = { serve, connect, rpc, transfer, close }
window.benchReady = true
