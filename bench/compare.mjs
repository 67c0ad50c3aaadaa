#!/usr/bin/env node
// Lists every figure of a fresh run more than 15 % worse than the committed
// run (bench/results.json at git HEAD), each against its anchor in its own
// run (see lib/compare.mjs). Exit code 1 when there is one.
//
// Usage: node bench/compare.mjs [fresh.json] [--threshold 0.15] [--against <git ref>]
//   (fresh.json defaults to bench/results.json, which `npm run bench` writes)
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeRegressions, regressions } from './lib/compare.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  if (i < 0) return fallback
  const value = args[i + 1]
  args.splice(i, 2)
  return value
}
const threshold = Number(option('--threshold', '0.15'))
const ref = option('--against', 'HEAD')
if (!(threshold > 0)) { console.error('--threshold takes a fraction, e.g. 0.15'); process.exit(2) }
const freshFile = path.resolve(args[0] ?? path.join(ROOT, 'bench/results.json'))

const fresh = JSON.parse(readFileSync(freshFile, 'utf8'))
let committed
try {
  committed = JSON.parse(execFileSync('git', ['show', `${ref}:bench/results.json`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))
} catch (err) {
  console.error(`no committed bench/results.json at ${ref}: ${err.message.split('\n')[0]}`)
  process.exit(2)
}
const found = regressions(committed, fresh, threshold)
for (const line of describeRegressions(found, threshold)) console.log(line)
process.exit(found.worse.length + found.failedNow.length > 0 ? 1 : 0)
