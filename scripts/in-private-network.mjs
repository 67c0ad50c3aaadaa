#!/usr/bin/env node
// Runs a command inside a private network namespace (DESIGN §8), so nothing a
// test or benchmark does can leave the machine. Chromium ignores loopback for
// WebRTC, so the namespace gets a veth address (10.213.0.1) that host ICE
// candidates can use; trackers and static servers listen on loopback.
// Where unshare is not permitted (a non-root laptop) the command runs directly.
import { spawnSync } from 'node:child_process'

const command = process.argv.slice(2)
if (command.length === 0) {
  console.error('usage: in-private-network.mjs <command> [args…]')
  process.exit(2)
}

const setup = [
  'ip link set lo up',
  // No IPv6 on the veth pair: its link-local addresses would turn from
  // tentative to permanent a second or two after the command starts, and
  // Chromium, seeing the addresses change, fails the page loads under way
  // with ERR_NETWORK_CHANGED (a benchmark's first page, now and then).
  '{ [ ! -w /proc/sys/net/ipv6/conf/default/disable_ipv6 ] || echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; }',
  'ip link add v0 type veth peer name v1',
  'ip addr add 10.213.0.1/24 dev v0',
  'ip link set v0 up',
  'ip link set v1 up',
  'ip route add default dev v0'
].join(' && ')

const canUnshare = process.env.KITH_NO_NETNS !== '1' &&
  spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' }).status === 0

let result
if (canUnshare) {
  result = spawnSync('unshare', ['-n', 'sh', '-c', `${setup} && exec "$@"`, 'sh', ...command], {
    stdio: 'inherit', env: { ...process.env, KITH_PRIVATE_NETWORK: '1' }
  })
} else {
  console.warn('[in-private-network] unshare not permitted here: running without a private network namespace')
  result = spawnSync(command[0], command.slice(1), { stdio: 'inherit' })
}
if (result.error) {
  console.error(result.error.message)
  process.exit(1)
}
process.exit(result.status ?? 1)
