// A friend's files are hostile until checked (DESIGN §6b): Mallory, a
// friend, shares an SVG with script, an HTML page, and an HTML page that
// claims to be image/png. Vic opens each by every way the UI offers (the
// preview, the save link, the link's address in a new tab) and none of
// Mallory's script ever runs in the app's origin; a real PNG still previews.
// Also: the app ships its Content-Security-Policy (header and <meta>), and
// normal use raises no violation of it.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { APP_CSP, APP_CSP_HEADER } from '../../scripts/lib/csp.mjs'
import { tab } from './support/app'
import { png } from './support/images'
import { acceptInvite, createInvite, openAs, share } from './support/people'
import { screenshot, worldPerFile, type Person } from './support/world'

const root = fileURLToPath(new URL('../../', import.meta.url))
const MARKER = 'kith-pwned'

/** What every payload does if it ever runs: leave a mark where the app's origin keeps its data. */
const PAYLOAD_JS = (tag: string): string =>
  `localStorage.setItem('${MARKER}', '${tag}'); document.title = 'PWNED ${tag}';` +
  ` try { window.opener && window.opener.localStorage.setItem('${MARKER}', '${tag} via opener') } catch (e) {}`

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="${PAYLOAD_JS('svg onload')}">` +
  `<script>${PAYLOAD_JS('svg script')}</script><rect width="40" height="40" fill="red"/></svg>`
const HTML = (tag: string): string =>
  `<!doctype html><html><head><title>hello</title><script>${PAYLOAD_JS(`${tag} script`)}</script></head>` +
  `<body><img src="x" onerror="${PAYLOAD_JS(`${tag} onerror`).replace(/"/g, '&quot;')}"><p>hello</p></body></html>`

interface Shared { caption: string, file: { name: string, mimeType: string, buffer: Buffer }, savedAs: string }
const HOSTILE: Shared[] = [
  { caption: 'A cat drawing', file: { name: 'cat.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(SVG) }, savedAs: 'cat.svg' },
  // The bidi override makes "invoice‮fdp.html" read "invoicelmth.pdf".
  { caption: 'My invoice', file: { name: 'invoice\u202Efdp.html', mimeType: 'text/html', buffer: Buffer.from(HTML('html')) }, savedAs: 'invoicefdp.html' },
  { caption: 'Holiday photo', file: { name: 'holiday.png', mimeType: 'image/png', buffer: Buffer.from(HTML('fake png')) }, savedAs: 'holiday.png' }
]
const REAL: Shared = { caption: 'A real photo', file: { name: 'real photo.png', mimeType: 'image/png', buffer: png(48, 32, () => [47, 91, 211]) }, savedAs: 'real photo.png' }
const RASTER_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']

const world = worldPerFile({ trackerCount: 1 })
let mallory: Person, vic: Person

/**
 * Before any page script: remember the type of every Blob given an object URL
 * (what the browser will serve at that blob: URL), and every CSP violation.
 */
function watchPage (): void {
  const w = window as unknown as { __blobTypes: Record<string, string>, __cspViolations: string[] }
  w.__blobTypes = {}
  w.__cspViolations = []
  const create = URL.createObjectURL.bind(URL)
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    const url = create(obj)
    if (obj instanceof Blob) w.__blobTypes[url] = obj.type
    return url
  }
  document.addEventListener('securitypolicyviolation', (e) => {
    const text = `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`
    w.__cspViolations.push(text)
    ;(window as unknown as { __kithCspViolation?: (t: string) => void }).__kithCspViolation?.(text)
  })
}

/** Every CSP violation in any page of a person's browser context, across navigations. */
const cspSeen: Record<string, string[]> = {}

async function person (name: string): Promise<Person> {
  const p = await world.person(name)
  const seen: string[] = cspSeen[name] = []
  await p.context.exposeBinding('__kithCspViolation', (source, text: string) => { seen.push(`${source.page.url()}: ${text}`) })
  await p.context.addInitScript(watchPage)
  return p
}

const blobType = (page: Page, url: string): Promise<string | undefined> =>
  page.evaluate((u) => (window as unknown as { __blobTypes: Record<string, string> }).__blobTypes[u], url)
const violations = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)
const marker = (page: Page): Promise<string | null> => page.evaluate((m) => localStorage.getItem(m), MARKER)

/** Opens a URL in a fresh tab of the same browser context; returns the file it downloaded, if any. */
async function openInNewTab (context: BrowserContext, url: string): Promise<{ downloaded: string | null, page: Page }> {
  const page = await context.newPage()
  const download = page.waitForEvent('download', { timeout: 15_000 }).catch(() => null)
  // A download aborts the navigation ("Download is starting"): that is the safe outcome.
  const shown = await page.goto(url).then(() => true, () => false)
  const d = shown ? null : await download
  return { downloaded: d ? d.suggestedFilename() : null, page }
}

describe('a friend’s hostile files never run in my app', () => {
  it('Vic becomes friends with Mallory, who shares three hostile files and one real photo', async () => {
    mallory = await person('mallory')
    vic = await person('vic')
    await openAs(mallory, world.appUrl, 'Mallory')
    await openAs(vic, world.appUrl, 'Vic')

    const link = await createInvite(mallory, 'for Vic')
    await mallory.page.getByRole('img', { name: /QR code/ }).waitFor() // a data: SVG image: allowed, inert
    await acceptInvite(vic, link, mallory)

    for (const item of [...HOSTILE, REAL]) await share(mallory, item.caption, { file: item.file })
    await vic.page.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => vic.page.getByTestId('feed-item').count(), { timeout: 30_000 }).toBe(4)
  })

  for (const item of HOSTILE) {
    it(`${item.file.name} (claimed ${item.file.mimeType}) is offered only as a download and never runs`, async () => {
      const row = vic.page.getByTestId('feed-item').filter({ hasText: item.caption })
      const namesShown = await row.getByTestId('file-name').allTextContents()
      await row.getByRole('button', { name: 'Save to device' }).click()
      const save = row.getByTestId('file-link')
      await save.waitFor({ timeout: 30_000 })
      const href = (await save.getAttribute('href'))!
      expect(href).toMatch(/^blob:/)

      // Opening the link's address in a new tab only downloads it: nothing of Mallory's runs.
      const opened = await openInNewTab(vic.context, href)
      expect(await marker(opened.page).catch(() => null)).toBeNull()
      expect(await opened.page.title()).not.toMatch(/PWNED/)
      expect(await marker(vic.page)).toBeNull()
      expect(opened.downloaded).not.toBeNull()
      await opened.page.close()

      // The blob: URL serves bytes the browser only saves.
      expect(await blobType(vic.page, href)).toBe('application/octet-stream')

      // No inline preview of it at all.
      expect(await row.getByTestId('file-preview').count()).toBe(0)
      expect(await row.locator('img, iframe, object, embed').count()).toBe(0)

      // Clicking the link saves it under the cleaned name, which the UI showed all along.
      const download = vic.page.waitForEvent('download')
      await save.click()
      expect((await download).suggestedFilename()).toBe(item.savedAs)
      expect(namesShown).toEqual([item.savedAs])
      expect(await save.getAttribute('download')).toBe(item.savedAs)
      expect(await save.textContent()).toMatch(new RegExp(`^Save ${escape(item.savedAs)} to your device \\(\\d+(\\.\\d)? (bytes|kB)\\)$`))
      expect(await row.getByTestId('file-not-shown').textContent()).toMatch(/^(Not shown|Kith shows only photos)/)

      expect(await marker(vic.page)).toBeNull()
      expect(await vic.page.title()).not.toMatch(/PWNED/)
    })
  }

  it('a real PNG is recognised from its bytes and previews inline', async () => {
    const row = vic.page.getByTestId('feed-item').filter({ hasText: REAL.caption })
    await row.getByRole('button', { name: 'Save to device' }).click()
    const preview = row.getByTestId('file-preview')
    await preview.waitFor({ timeout: 30_000 })
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(48)
    expect(await preview.getAttribute('alt')).toBe(`Photo: ${REAL.caption}`)
    const src = (await preview.getAttribute('src'))!
    expect(await blobType(vic.page, src)).toBe('image/png')
    expect(await row.getByTestId('file-link').getAttribute('download')).toBe(REAL.savedAs)
    // Its address in a new tab shows an image, which runs nothing.
    const opened = await openInNewTab(vic.context, src)
    expect(await opened.page.evaluate(() => document.contentType)).toBe('image/png')
    await opened.page.close()
  })

  it('every blob the app made has a type that cannot run script, and nothing of Mallory’s ran', async () => {
    const types = await vic.page.evaluate(() => Object.values((window as unknown as { __blobTypes: Record<string, string> }).__blobTypes))
    expect(types.length).toBeGreaterThanOrEqual(4)
    for (const t of types) expect([...RASTER_TYPES, 'application/octet-stream']).toContain(t)
    expect(await marker(vic.page)).toBeNull()
  })

  it('screenshots of the feed with these files, desktop and phone', async () => {
    for (const [width, label] of [[1280, 'desktop'], [390, 'phone']] as const) {
      await vic.page.setViewportSize({ width, height: 900 })
      await vic.page.getByTestId('feed-item').first().waitFor()
      await screenshot(vic, `30-vic-hostile-files-${label}`)
    }
    await vic.page.setViewportSize({ width: 900, height: 900 })
  })

  it('in My items, the owner’s own files follow the same rule', async () => {
    const page = mallory.page
    await tab(page, 'My items')
    for (const item of [...HOSTILE, REAL]) {
      const row = page.getByTestId('my-item').filter({ hasText: item.caption })
      await row.getByRole('button', { name: 'Download' }).click()
      const save = row.getByTestId('my-file-link')
      await save.waitFor()
      expect(await save.getAttribute('download')).toBe(item.savedAs)
      const href = (await save.getAttribute('href'))!
      const raster = item === REAL
      expect(await blobType(page, href)).toBe(raster ? 'image/png' : 'application/octet-stream')
      expect(await row.getByTestId('my-file-preview').count()).toBe(raster ? 1 : 0)
      if (!raster) {
        const opened = await openInNewTab(mallory.context, href)
        expect(opened.downloaded).not.toBeNull()
        await opened.page.close()
      }
    }
    expect(await marker(page)).toBeNull()
    await screenshot(mallory, '31-mallory-my-items-files')
  })

  it('normal use raises no Content-Security-Policy violation, on any tab or page', async () => {
    for (const p of [mallory, vic]) {
      await p.page.goto(`${world.appUrl}#/me`)
      await p.page.getByTestId('my-address').waitFor()
      for (const name of ['Home', 'Me & server', 'My items', 'Friends', 'Groups', 'Invites']) {
        await tab(p.page, name)
        await p.page.locator(`#panel-${{ Home: 'home', 'Me & server': 'me', 'My items': 'items', Friends: 'friends', Groups: 'groups', Invites: 'invites' }[name]}`).waitFor()
      }
      await p.page.goto(`${world.appUrl}#/friend/${p === vic ? mallory.address : vic.address}`)
      await p.page.getByTestId('feed-state').waitFor()
      expect(await violations(p.page), p.name).toEqual([])
      // …nor did anything before: inviting, accepting, sharing, downloading, previews, new tabs.
      expect(cspSeen[p.name], p.name).toEqual([])
    }
  })
})

describe('the app ships its Content-Security-Policy', () => {
  it('the app server sends the header, and the built index.html carries the <meta> and no inline script', async () => {
    const res = await fetch(world.appUrl)
    expect(res.headers.get('content-security-policy')).toBe(APP_CSP_HEADER)
    const served = await res.text()
    const built = readFileSync(`${root}dist/index.html`, 'utf8')
    expect(served).toBe(built)
    expect(built).toContain(`<meta http-equiv="Content-Security-Policy" content="${APP_CSP}">`)
    const scripts = built.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) ?? []
    expect(scripts.length).toBeGreaterThan(0)
    for (const s of scripts) expect(s).toMatch(/^<script\b[^>]*\ssrc="[^"]+"[^>]*><\/script>$/)
    expect(built).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
  })

  it('npm start’s server sends the header too', async () => {
    // scripts/start.mjs as `npm start` runs it (after its build), pointed at a
    // tracker address and no relay, so it starts neither of its own.
    const child = spawn(process.execPath, [`${root}scripts/start.mjs`], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', KITH_TRACKERS: 'ws://127.0.0.1:9', KITH_RELAYS: '' },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /Open: (http:\/\/\S+)/.exec(out)
          if (m) resolve(m[1]!)
        })
        child.once('exit', (code) => reject(new Error(`start.mjs exited with ${code}: ${out}`)))
      })
      const res = await fetch(url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-security-policy')).toBe(APP_CSP_HEADER)
      expect(await res.text()).toContain('http-equiv="Content-Security-Policy"')
    } finally {
      child.kill('SIGTERM')
    }
  })

  it('the policy is in force: an injected inline script does not run', async () => {
    const page = vic.page
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { __inlineRan?: boolean }
      const reported = new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true })
      })
      const s = document.createElement('script')
      s.textContent = 'window.__inlineRan = true'
      document.head.append(s)
      // An inline script runs as it is inserted; the report comes after.
      return { ran: w.__inlineRan === true, reported: await reported }
    })
    expect(ran.ran).toBe(false)
    expect(ran.reported).toMatch(/^script-src/)
    // …and the watcher used above to find none in normal use does see one.
    expect((await violations(page)).join('\n')).toMatch(/^script-src/m)
    await expect.poll(() => cspSeen.vic!.join('\n')).toMatch(/script-src(-elem)? blocked inline/)
  })
})

function escape (s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
