// `npm run verify`: what a host serves is compared, byte for byte, with a
// local build; any file of the app shell that differs is named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error: a plain ES module of the scripts, no types
import { compareHostWithBuild, precacheEntries } from '../../scripts/lib/verify-host.mjs'
import { buildIdOfFolder } from '../../scripts/lib/build-id-plugin.mjs'

const SW = 'define(["./workbox-3af818fc"],(function(s){s.precacheAndRoute([{url:"index.html",revision:"0ab016930baa12cc70f01751f27159c6"},{url:"assets/index-BCwvHqpZ.js",revision:null}],{})}));'

describe('verifying a host against a local build', () => {
  let dist = ''
  const files: Record<string, string> = {
    'sw.js': SW,
    'workbox-3af818fc.js': 'workbox runtime',
    'index.html': '<!doctype html><title>Kith</title>',
    'assets/index-BCwvHqpZ.js': 'export const app = 1'
  }
  beforeAll(() => {
    dist = mkdtempSync(join(tmpdir(), 'kith-verify-test-'))
    mkdirSync(join(dist, 'assets'))
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dist, name), text)
  })
  afterAll(() => rmSync(dist, { recursive: true, force: true }))

  /** A host serving `served` (file name -> text) under https://kith.example/app/. */
  const host = (served: Record<string, string>) => async (url: string): Promise<Uint8Array | null> => {
    const name = url.replace('https://kith.example/app/', '')
    return name in served ? new TextEncoder().encode(served[name]) : null
  }

  it('reads the worker\'s precache list; the build id changes with any shell file, not with a map', () => {
    expect(precacheEntries(SW)).toEqual([{ url: 'index.html', revision: '0ab016930baa12cc70f01751f27159c6' }, { url: 'assets/index-BCwvHqpZ.js', revision: null }])
    const id = buildIdOfFolder(dist)
    expect(id).toMatch(/^[0-9a-f]{12}$/)
    writeFileSync(join(dist, 'assets', 'index-BCwvHqpZ.js.map'), '{}')
    expect(buildIdOfFolder(dist)).toBe(id)
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Kith!</title>')
    expect(buildIdOfFolder(dist)).not.toBe(id)
    writeFileSync(join(dist, 'index.html'), files['index.html']!)
    expect(buildIdOfFolder(dist)).toBe(id)
  })

  it('prints the id the host states in its build-id.json, or none', async () => {
    const stated = await compareHostWithBuild({ base: 'https://kith.example/app/', dist, fetchFile: host({ ...files, 'build-id.json': '{"id":"0123456789ab"}' }) })
    expect(stated.buildId).toBe('0123456789ab')
    const junk = await compareHostWithBuild({ base: 'https://kith.example/app/', dist, fetchFile: host({ ...files, 'build-id.json': '{"id":"<script>"}' }) })
    expect(junk.buildId).toBeNull()
  })

  it('the same files: every one the same', async () => {
    const { files: result } = await compareHostWithBuild({ base: 'https://kith.example/app', dist, fetchFile: host(files) })
    expect(result.map((f: { result: string }) => f.result)).toEqual(['same', 'same', 'same', 'same'])
  })

  it('a changed script, a missing page and an extra precached file are each named', async () => {
    const sw = SW.replace('revision:null}]', 'revision:null},{url:"assets/extra-AAAAAAAA.js",revision:null}]')
    const served = { ...files, 'sw.js': sw, 'assets/index-BCwvHqpZ.js': 'export const app = 1; fetch("https://evil.example/")', 'assets/extra-AAAAAAAA.js': 'x' }
    delete (served as Record<string, string>)['index.html']
    const { files: result } = await compareHostWithBuild({ base: 'https://kith.example/app/', dist, fetchFile: host(served) })
    const byName = Object.fromEntries(result.map((f: { name: string, result: string }) => [f.name, f.result]))
    expect(byName).toEqual({
      'sw.js': 'different',
      'workbox-3af818fc.js': 'same',
      'index.html': 'not served',
      'assets/index-BCwvHqpZ.js': 'different',
      'assets/extra-AAAAAAAA.js': 'not in the local build'
    })
  })

  it('a precache name that would leave the build folder is never read from disk', async () => {
    const sw = SW.replace('revision:null}]', 'revision:null},{url:"../../etc/passwd",revision:null}]')
    const { files: result } = await compareHostWithBuild({ base: 'https://kith.example/app/', dist, fetchFile: host({ ...files, 'sw.js': sw, '../../etc/passwd': 'root' }) })
    expect(result.find((f: { name: string }) => f.name === '../../etc/passwd')?.result).toBe('not in the local build')
  })

  it('a host with no worker is said to be no Kith app', async () => {
    await expect(compareHostWithBuild({ base: 'https://kith.example/app/', dist, fetchFile: host({}) })).rejects.toThrow(/serves no sw.js/)
  })
})
