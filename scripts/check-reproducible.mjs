#!/usr/bin/env node
// Two builds of the committed HEAD, in two checkouts at different paths,
// must be byte-identical, source maps included: anyone can then rebuild a
// commit and check a host with `npm run verify`. Exit code 1 names the
// files that differ.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim()
const sha = git('rev-parse', 'HEAD')
const base = mkdtempSync(path.join(tmpdir(), 'kith-repro-'))
const checkouts = [path.join(base, 'a'), path.join(base, 'deeper', 'place', 'b')]

/** Every file under dir, as relative paths. */
function filesOf (dir, prefix = '') {
  return readdirSync(path.join(dir, prefix)).flatMap((name) => {
    const rel = path.join(prefix, name)
    return statSync(path.join(dir, rel)).isDirectory() ? filesOf(dir, rel) : [rel]
  })
}

try {
  for (const dir of checkouts) {
    mkdirSync(path.dirname(dir), { recursive: true })
    git('worktree', 'add', '--detach', dir, sha)
    // The dependencies as a fresh install would place them, inside the
    // checkout (hard links: fast, no copy); a symlink where that fails.
    try { execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')]) } catch { symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')) }
    execFileSync(path.join(dir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], { cwd: dir, stdio: 'inherit' })
  }
  const [a, b] = checkouts.map((dir) => path.join(dir, 'dist'))
  const names = [...new Set([...filesOf(a), ...filesOf(b)])].sort()
  const differ = names.filter((name) => {
    try { return !readFileSync(path.join(a, name)).equals(readFileSync(path.join(b, name))) } catch { return true }
  })
  if (differ.length > 0) {
    console.error(`✗ two builds of ${sha.slice(0, 12)} differ in ${differ.length} of ${names.length} files:\n  ${differ.join('\n  ')}`)
    process.exitCode = 1
  } else {
    console.log(`✓ two builds of ${sha.slice(0, 12)} at different paths are byte-identical (${names.length} files)`)
  }
} finally {
  for (const dir of checkouts) { try { git('worktree', 'remove', '--force', dir) } catch {} }
  rmSync(base, { recursive: true, force: true })
  git('worktree', 'prune')
}
