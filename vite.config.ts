import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { precompress } from './scripts/lib/precompress.mjs'
import { buildIdFile } from './scripts/lib/build-id-plugin.mjs'

// The app is static files: any web server can host dist/. `base: './'` keeps
// it working from a sub-folder too: every URL below (manifest, service
// worker, its scope, start_url) is relative to the folder index.html is in.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    // No <link rel=modulepreload> per dependency of each import(): the module
    // loader finds them as it goes (from the service worker's cache, a few ms
    // a level), where inserting the links cost a phone (4× slower CPU) about
    // 150 ms of main thread at start (bench/README.md, kith-app).
    modulePreload: false,
    // dist/.vite/manifest.json: which files the entry loads at once, read by
    // the bundle-size figure (bench/lib/initial-js.mjs).
    manifest: true,
    rollupOptions: {
      output: { sourcemapPathTransform: stableSourcePath }
    }
  },
  plugins: [
    VitePWA({
      // Never a silent update: a new build waits until the owner presses
      // Reload (client/boot/app-status.ts), since reloading stops their server.
      registerType: 'prompt',
      injectRegister: null, // registered from client/boot/app-status.ts, no inline script (CSP)
      includeAssets: ['favicon.svg', 'favicon-32.png', 'apple-touch-icon.png'],
      manifest: {
        id: './',
        name: 'Kith',
        short_name: 'Kith',
        description: 'Your friends-only server, in a browser tab.',
        lang: 'en',
        start_url: './',
        scope: './',
        display: 'standalone',
        theme_color: '#2f5bd3',
        background_color: '#f4f6f9',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      },
      workbox: {
        // The app shell: every script, style, page and icon of the build.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}', 'build-id.json'],
        // Only the app's own page falls back to the cached shell; config.json
        // is not a navigation and is never served from the precache.
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // Workbox builds the worker in a random temporary folder, which its
        // map would name: no map, so two builds of a commit are the same bytes.
        sourcemap: false,
        // The host's config.json (its trackers) is asked for afresh at every
        // start; offline, the last answer stands in, so the node starts with
        // the same trackers rather than the public defaults.
        runtimeCaching: [{
          urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.endsWith('/config.json'),
          handler: 'NetworkFirst',
          options: { cacheName: 'kith-host-config', networkTimeoutSeconds: 3, expiration: { maxEntries: 1 } }
        }]
      }
    }),
    // dist/build-id.json: this build's short id, before the worker is made.
    buildIdFile(),
    // Brotli and gzip copies of each text file, for static-server.mjs.
    precompress()
  ]
})

const ROOT = path.dirname(fileURLToPath(import.meta.url))

/** A source map names its sources from the map's folder. A module that is no
 *  file in the project (a plugin's virtual module) would be named by how deep
 *  the project sits on the build machine; named `virtual/<id>` instead, so
 *  the same commit builds the same bytes anywhere (issue: reproducible). */
function stableSourcePath (relative: string, mapPath: string): string {
  const absolute = path.resolve(path.dirname(mapPath), relative)
  if (!path.relative(ROOT, absolute).startsWith('..')) return relative
  return path.relative(path.dirname(mapPath), path.join(ROOT, 'virtual', path.basename(absolute))).split(path.sep).join('/')
}
