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
  const actualPort = server.ws.address().port
  return {
    url: `ws://${host}:${actualPort}`,
    port: actualPort,
    // Drop the connected peers too, like a tracker that dies: the stock
    // close() waits for every client to leave on its own.
    close: () => new Promise((resolve) => {
      for (const client of server.ws?.clients ?? []) client.terminate()
      server.close(() => resolve(undefined))
      server.http?.closeAllConnections?.()
    })
  }
}
