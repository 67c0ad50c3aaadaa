// The page's reports show that the page and the network work, but not that
// the browser process itself does: a renderer keeps posting through the
// network service even while the browser's own process is stopped (seen
// with SIGSTOP). So the runner also asks the browser, over the DevTools pipe
// (--remote-debugging-pipe: fds 3 and 4, no port anyone else could reach),
// for its version every interval; each answer is the browser's heartbeat.
// One question at a time, so a stuck browser never makes us buffer more.

/**
 * @param {{ toBrowser: import('node:stream').Writable, fromBrowser: import('node:stream').Readable,
 *           onAnswer: () => void, intervalMs?: number }} opts
 * @returns {{ stop: () => void }}
 */
export function startBrowserPings ({ toBrowser, fromBrowser, onAnswer, intervalMs = 2000 }) {
  let nextId = 1
  let waitingFor = 0
  let buffered = ''
  // Answers are NUL-terminated JSON; events we did not ask for are dropped.
  fromBrowser.setEncoding('utf8')
  fromBrowser.on('data', (text) => {
    buffered += text
    let end
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
      let id = null
      try { id = JSON.parse(message).id } catch { /* not ours */ }
      if (id !== null && id === waitingFor) {
        waitingFor = 0
        onAnswer()
      }
    }
    // A browser that never ends a message must not grow this without bound.
    if (buffered.length > 1024 * 1024) buffered = ''
  })
  fromBrowser.on('error', () => {})
  toBrowser.on('error', () => {})
  const ask = () => {
    if (waitingFor !== 0 || toBrowser.destroyed) return
    waitingFor = nextId++
    toBrowser.write(JSON.stringify({ id: waitingFor, method: 'Browser.getVersion' }) + '\0')
  }
  const timer = setInterval(ask, intervalMs)
  ask()
  return { stop: () => clearInterval(timer) }
}
