// Starts a stock bittorrent-tracker WebSocket server. Only the server entry is
// imported: the package's main entry pulls in a native WebRTC polyfill.
import Server from 'bittorrent-tracker/server'

/**
 * @param {{ port?: number, host?: string }} [opts]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startTracker ({ port = 0, host = '127.0.0.1' } = {}) {
  const server = new Server({ udp: false, http: false, ws: true, stats: false, trustProxy: false })
  server.on('warning', () => {}) // a client's bad request is its problem, not ours
  server.on('error', (err) => console.error('[tracker]', err.message))
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(undefined))
  })
  // The stock server does not track its WebSocket clients; we do, so close()
  // can drop them like a tracker that dies.
  const sockets = new Set()
  server.ws.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const actualPort = server.ws.address().port
  return {
    url: `ws://${host}:${actualPort}`,
    port: actualPort,
    // The stock close() waits for every client to leave on its own.
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.terminate()
      server.close(() => resolve(undefined))
      server.http?.closeAllConnections?.()
    })
  }
}
