#!/usr/bin/env node
// Does a host serve exactly the app built from a commit? Builds that commit
// here (in a temporary checkout, so the work tree is untouched), fetches
// the host's files and compares them byte for byte (lib/verify-host.mjs).
// Builds are reproducible: the same commit gives the same bytes on any
// machine and in any folder.
//
// Usage: npm run verify -- <app URL> [--commit <git ref>] [--dist <folder>]
//   --commit: what to build (default HEAD); --dist: compare with this build instead
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compareHostWithBuild } from './lib/verify-host.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  if (i < 0) return null
  const [, value] = args.splice(i, 2)
  if (!value) { console.error(`${name} needs a value`); process.exit(2) }
  return value
}
const commit = option('--commit') ?? 'HEAD'
const givenDist = option('--dist')
const url = args[0]
if (!url || !/^https?:\/\//.test(url)) {
  console.error('Usage: npm run verify -- <app URL, e.g. http://127.0.0.1:5173/> [--commit <git ref>] [--dist <folder>]')
  process.exit(2)
}

const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim()
let checkout = null
let dist = givenDist ? path.resolve(givenDist) : null
try {
  if (!dist) {
    const sha = git('rev-parse', '--verify', `${commit}^{commit}`)
    checkout = mkdtempSync(path.join(tmpdir(), 'kith-verify-'))
    console.log(`building ${sha.slice(0, 12)} in ${checkout}…`)
    git('worktree', 'add', '--detach', checkout, sha)
    // The same dependencies as installed here, if the commit locks the same
    // ones; otherwise its own, from its lockfile.
    const sameLock = existsSync(path.join(ROOT, 'node_modules')) && readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8') === readFileSync(path.join(checkout, 'package-lock.json'), 'utf8')
    if (sameLock) symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'))
    else execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: checkout, stdio: 'inherit' })
    execFileSync(path.join(checkout, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: checkout, stdio: 'inherit' })
    dist = path.join(checkout, 'dist')
  }
  const { buildId, files } = await compareHostWithBuild({ base: url, dist })
  const wrong = files.filter((f) => f.result !== 'same')
  for (const f of wrong) console.log(`  ${f.result}: ${f.name}`)
  if (wrong.length === 0) {
    console.log(`✓ ${url} serves exactly this build: ${files.length} files the same (build ${buildId ?? 'without an id'})`)
  } else {
    console.log(`✗ ${wrong.length} of ${files.length} files are not this build's (the host says it runs build ${buildId ?? '(none)'})`)
    process.exitCode = 1
  }
} catch (err) {
  console.error(`verify: ${err.message}`)
  process.exitCode = 2
} finally {
  if (checkout) {
    try { git('worktree', 'remove', '--force', checkout) } catch { rmSync(checkout, { recursive: true, force: true }) }
  }
}
