#!/usr/bin/env node
// The network test suite: builds NAT'd homes, a public segment and
// a STUN/TURN server out of network namespaces (scripts/lib/nat-network.mjs)
// and runs tests/network/*.network.test.ts in it. Everything happens inside a
// private network namespace, with a private mount of /run/netns, so nothing
// leaves the machine and the namespaces vanish when the suite ends.
// Needs root, iproute2, iptables, coturn and tcpdump (.ci/run installs them).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { buildNetwork } from './lib/nat-network.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)

if (process.env.KITH_NAT_NETWORK !== '1') {
  const missing = ['ip', 'iptables', 'turnserver', 'tcpdump', 'unshare']
    .filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0)
  if (missing.length > 0) {
    console.error(`[test-network] missing tools: ${missing.join(', ')} (Debian: apt-get install iproute2 iptables coturn tcpdump util-linux)`)
    process.exit(1)
  }
  if (process.getuid?.() !== 0) {
    console.error('[test-network] the network suite builds network namespaces and NAT rules: run it as root (CI does).')
    process.exit(1)
  }
  const enter = 'mkdir -p /run/netns && mount -t tmpfs kith-netns /run/netns && exec "$@"'
  const result = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', enter, 'sh',
    process.execPath, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit', cwd: root, env: { ...process.env, KITH_NAT_NETWORK: '1', KITH_PRIVATE_NETWORK: '1' }
  })
  process.exit(result.status ?? 1)
}

const started = Date.now()
buildNetwork()
const vitest = spawnSync(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', '--config', 'vitest.network.config.ts', ...args], { stdio: 'inherit', cwd: root })
console.log(`[test-network] the network suite took ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(vitest.status ?? 1)
