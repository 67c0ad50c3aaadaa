// The runner's page, measured from outside: its JS heap after a full GC over
// the DevTools protocol (the port chromium-devtools.sh opens), and the
// resident memory of its renderer process from /proc.
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { profileProcesses } from '../../scripts/lib/headless/chromium-process.mjs'

/** Resident memory of a process in MB (1 MB = 1e6 B), or null once it is gone. */
export function rssMB (pid) {
  try {
    const kB = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kB ? Number(kB) * 1024 / 1e6 : null
  } catch {
    return null
  }
}

// Zygote-forked helpers rewrite their command line as one string with spaces.
const cmdline = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
/** Field 5 of /proc/<pid>/stat (after the name in parentheses). */
const processGroup = (pid) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[2])

/** The renderer processes of the browser on `profileDir`: its helpers do not
 *  name the profile, but the runner starts the browser as the leader of its
 *  own process group (chromium-process.mjs) and they stay in it. */
export function rendererPids (profileDir) {
  const browser = profileProcesses(profileDir).find((pid) => {
    try { return !cmdline(pid).some((a) => a.startsWith('--type=')) } catch { return false }
  })
  if (browser === undefined) return []
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try { return processGroup(pid) === browser && cmdline(pid).includes('--type=renderer') } catch { return false }
  })
}

/** Run in the runner's page: its node's store ('kith-node', node-tab/storage/db.ts). */
const FRIENDS_WITH_SECRETS = `new Promise((resolve, reject) => {
  const open = indexedDB.open('kith-node')
  open.onerror = () => reject(open.error)
  open.onsuccess = () => {
    const db = open.result
    const all = db.transaction('friends').objectStore('friends').getAll()
    all.onerror = () => { db.close(); reject(all.error) }
    all.onsuccess = () => { db.close(); resolve(all.result.filter((f) => f.pairSecret !== undefined).length) }
  }
})`

/** A DevTools protocol connection to one target. */
class Cdp {
  constructor (ws) {
    this.ws = ws
    this.next = 1
    this.waiting = new Map()
    this.listeners = new Map()
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data))
      if (msg.id !== undefined) {
        const w = this.waiting.get(msg.id)
        this.waiting.delete(msg.id)
        if (msg.error) w?.reject(new Error(`${w.method}: ${msg.error.message}`))
        else w?.resolve(msg.result)
      } else {
        this.listeners.get(msg.method)?.(msg.params)
      }
    })
    ws.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error('the DevTools connection closed'))
      this.waiting.clear()
    })
  }

  send (method, params = {}, timeoutMs = 60_000) {
    const id = this.next++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(id); reject(new Error(`${method}: no answer in ${timeoutMs} ms`)) }, timeoutMs)
      this.waiting.set(id, { method, resolve: (r) => { clearTimeout(timer); resolve(r) }, reject: (e) => { clearTimeout(timer); reject(e) } })
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  on (method, fn) { this.listeners.set(method, fn) }
  get open () { return this.ws.readyState === WebSocket.OPEN }
  close () { this.ws.close() }
}

/** Connects to the runner's app page (the page served on `appOrigin`). */
async function connectPage (profileDir, appOrigin) {
  const port = Number(readFileSync(join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0])
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()
  const page = targets.find((t) => t.type === 'page' && t.url.startsWith(appOrigin))
  if (!page) throw new Error(`no page on ${appOrigin} among the runner's targets: ${targets.map((t) => `${t.type} ${t.url}`).join(', ')}`)
  const ws = new WebSocket(page.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 })
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  return new Cdp(ws)
}

/**
 * Samples the runner's page: `sample()` collects garbage, then reads the JS
 * heap in use and the renderer's resident memory. The renderer is the one
 * that hosts the page: the largest of the profile's renderers when first
 * asked (Chromium may keep a spare one ahead of the next page), followed by
 * its pid from then on, re-chosen (and said) only if that process is gone.
 * @param {{ profileDir: string, appOrigin: string, log: (...a: unknown[]) => void }} opts
 */
export function runnerMemory ({ profileDir, appOrigin, log }) {
  let cdp = null
  let pid = null
  const page = async () => {
    if (cdp?.open) return cdp
    cdp = await connectPage(profileDir, appOrigin)
    return cdp
  }
  const renderer = () => {
    if (pid !== null && rssMB(pid) !== null) return pid
    const pids = rendererPids(profileDir)
    const sized = pids.map((p) => ({ p, mb: rssMB(p) ?? 0 })).sort((a, b) => b.mb - a.mb)
    const chosen = sized[0]?.p ?? null
    if (pid !== null) log(`the runner's renderer ${pid} is gone (a restart?): now ${chosen}`)
    else log(`runner renderers: ${sized.map((s) => `${s.p} ${s.mb.toFixed(0)} MB`).join(', ')}; measuring ${chosen}`)
    pid = chosen
    return pid
  }
  return {
    async sample () {
      const c = await page()
      await c.send('HeapProfiler.collectGarbage')
      const { usedSize, totalSize } = await c.send('Runtime.getHeapUsage')
      const p = renderer()
      return { heapMB: usedSize / 1e6, heapTotalMB: totalSize / 1e6, rssMB: p === null ? NaN : rssMB(p) ?? NaN }
    },
    /** The runner's friends it can meet (each friendship's meeting secret
     *  pulled from the owner's full device), read from its IndexedDB. */
    async friendsItCanMeet () {
      const c = await page()
      const { result, exceptionDetails } = await c.send('Runtime.evaluate', { awaitPromise: true, returnByValue: true, expression: FRIENDS_WITH_SECRETS })
      if (exceptionDetails) throw new Error(`reading the runner's friends: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`)
      return result.value
    },
    /** Writes a heap snapshot of the runner's page to `file` (for finding what grows). */
    async snapshot (file) {
      const c = await page()
      const out = createWriteStream(file)
      c.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => out.write(chunk))
      await c.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 300_000)
      await new Promise((resolve) => out.end(resolve))
    },
    close () { cdp?.close() }
  }
}
