// Starts a stock bittorrent-tracker WebSocket server. Only the server entry is
// imported: the package's main entry pulls in a native WebRTC polyfill.
import Server from 'bittorrent-tracker/server'

/**
 * @param {{ port?: number, host?: string, announceIntervalMs?: number }} [opts]
 *   announceIntervalMs: the re-announce interval the tracker asks of its
 *   WebSocket clients (the stock server asks 120 s)
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void>,
 *   messages: () => { received: number, sent: number } }>}
 */
export async function startTracker ({ port = 0, host = '127.0.0.1', announceIntervalMs } = {}) {
  // The stock server tells WebSocket clients a fifth of its `interval`.
  const interval = announceIntervalMs === undefined ? undefined : announceIntervalMs * 5
  const server = new Server({ udp: false, http: false, ws: true, stats: false, trustProxy: false, interval })
  server.on('warning', () => {}) // a client's bad request is its problem, not ours
  server.on('error', (err) => console.error('[tracker]', err.message))
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(undefined))
  })
  // The stock server does not track its WebSocket clients; we do, so close()
  // can drop them like a tracker that dies.
  const sockets = new Set()
  // WebSocket messages in each direction, over every client (the benchmark
  // counts what a node with many swarms costs a tracker).
  const counted = { received: 0, sent: 0 }
  server.ws.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('message', () => { counted.received++ })
    const send = socket.send.bind(socket)
    socket.send = (...args) => { counted.sent++; return send(...args) }
  })
  const actualPort = server.ws.address().port
  return {
    url: `ws://${host}:${actualPort}`,
    port: actualPort,
    messages: () => ({ ...counted }),
    // The stock close() waits for every client to leave on its own.
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.terminate()
      server.close(() => resolve(undefined))
      server.http?.closeAllConnections?.()
    })
  }
}
