#!/usr/bin/env node
// Draws Kith's icons once: public/favicon.svg (the source) and the PNGs the
// web app manifest and older browsers need, rendered by the system Chromium.
// Run it again only when the drawing changes; the PNGs are committed.
//   node scripts/make-icons.mjs
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { launchChromium } from './lib/chromium.mjs'

const out = fileURLToPath(new URL('../public/', import.meta.url))

// The app's blue (buttons, selected tab) behind two friends side by side:
// two heads and shoulders, the right one a little lighter.
const BLUE = '#2f5bd3'
function figures () {
  return `
    <circle cx="196" cy="206" r="58" fill="#fff"/>
    <path d="M92 372c0-64 46-104 104-104s104 40 104 104z" fill="#fff"/>
    <circle cx="326" cy="222" r="48" fill="#dbe5ff"/>
    <path d="M248 372c4-56 38-88 78-88 50 0 86 34 86 88z" fill="#dbe5ff"/>`
}

/** Rounded square on a transparent page: the usual icon and the favicon. */
const rounded = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect width="512" height="512" rx="112" fill="${BLUE}"/>${figures()}
</svg>
`
/** Full bleed, the drawing inside the central 80% circle a launcher may crop to. */
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect width="512" height="512" fill="${BLUE}"/>
  <g transform="translate(256 272) scale(.72) translate(-252 -290)">${figures()}</g>
</svg>
`

writeFileSync(`${out}favicon.svg`, rounded)

const browser = await launchChromium()
try {
  const page = await browser.newPage()
  const render = async (svg, size, file) => {
    await page.setViewportSize({ width: size, height: size })
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
    await page.setContent(`<body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body>`)
    await page.locator('img').evaluate((img) => img.decode())
    await page.screenshot({ path: `${out}${file}`, omitBackground: true })
    console.log(`wrote public/${file}`)
  }
  await render(rounded, 192, 'icon-192.png')
  await render(rounded, 512, 'icon-512.png')
  await render(maskable, 512, 'icon-maskable-512.png')
  await render(rounded, 180, 'apple-touch-icon.png')
  await render(rounded, 32, 'favicon-32.png')
} finally {
  await browser.close()
}
