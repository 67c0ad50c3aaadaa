// A small Internet on one machine, for the network test suite: a
// "public" segment (a bridge, 10.50.0.0/24) with the trackers, the app server
// and a STUN/TURN server (coturn), and "homes", each a LAN behind its own NAT
// router. Everything here runs inside the private network and mount
// namespaces that scripts/test-network.mjs enters first, so nothing can leave
// the machine and the namespace names cannot clash with anyone else's.
//
//   outer namespace (vitest, trackers, app server)  pub bridge 10.50.0.1
//   ├── turn   10.50.0.3            coturn (STUN + TURN), tcpdump
//   └── rN     10.50.0.1N | 10.6N.0.1   NAT router (MASQUERADE)
//       └── hN 10.6N.0.2                a home: one person's Chromium
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync, chmodSync, readFileSync, existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { CHROMIUM_PATH } from './chromium.mjs'

export const PUBLIC_GATEWAY = '10.50.0.1'
export const TURN_ADDRESS = '10.50.0.3'
export const TURN_PORT = 3478
/** Ports coturn relays on: a narrow range, so a capture can tell relayed
 *  traffic from STUN/TURN control messages on 3478. */
export const RELAY_PORTS = { min: 49152, max: 49407 }

/** The homes the suite builds: two behind endpoint-independent NATs (plain
 *  MASQUERADE keeps the source port, so a STUN-learned address works for any
 *  peer), two behind symmetric ones (--random-fully picks a new port for
 *  every destination, so only a relay gets through). */
export const HOMES = [
  { name: 'h1', router: 'r1', index: 1, nat: 'endpoint-independent' },
  { name: 'h2', router: 'r2', index: 2, nat: 'endpoint-independent' },
  { name: 'h3', router: 'r3', index: 3, nat: 'symmetric' },
  { name: 'h4', router: 'r4', index: 4, nat: 'symmetric' }
]

export function homeAddresses (index) {
  return { lan: `10.6${index}.0.2`, router: `10.6${index}.0.1`, public: `10.50.0.1${index}` }
}

function sh (cmd) {
  execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] })
}

function inNs (ns, cmd) {
  return `ip netns exec ${ns} sh -c '${cmd}'`
}

/** Builds the bridge, the TURN namespace and every home. Must run as root
 *  inside the private namespaces (see scripts/test-network.mjs). */
export function buildNetwork () {
  sh('ip link set lo up')
  sh(`ip link add pub type bridge && ip addr add ${PUBLIC_GATEWAY}/24 dev pub && ip link set pub up`)
  // The TURN server's own namespace, so a capture there sees exactly what it sees.
  attachToPublic('turn', 'turn0', `${TURN_ADDRESS}/24`)
  for (const home of HOMES) {
    const a = homeAddresses(home.index)
    attachToPublic(home.router, `up${home.index}`, `${a.public}/24`)
    sh(`ip netns add ${home.name}`)
    sh(`ip link add lan${home.index} type veth peer name eth0 netns ${home.name}`)
    sh(`ip link set lan${home.index} netns ${home.router}`)
    sh(inNs(home.router, `ip addr add ${a.router}/24 dev lan${home.index} && ip link set lan${home.index} up && sysctl -qw net.ipv4.ip_forward=1`))
    sh(inNs(home.name, `ip link set lo up && ip addr add ${a.lan}/24 dev eth0 && ip link set eth0 up && ip route add default via ${a.router}`))
    const random = home.nat === 'symmetric' ? ' --random-fully' : ''
    sh(inNs(home.router, `iptables -t nat -A POSTROUTING -s 10.6${home.index}.0.0/24 -o eth0 -j MASQUERADE${random}`))
    // Like any home router's firewall: unsolicited packets from outside are
    // dropped, before conntrack remembers them. (Without this, a peer's
    // first check that beats ours leaves an entry that makes MASQUERADE pick
    // another port for our reply, and hole punching fails.)
    sh(inNs(home.router, 'iptables -A INPUT -i eth0 -m conntrack --ctstate NEW -j DROP'))
  }
}

function attachToPublic (ns, hostEnd, cidr) {
  sh(`ip netns add ${ns}`)
  sh(`ip link add ${hostEnd} type veth peer name eth0 netns ${ns}`)
  sh(`ip link set ${hostEnd} master pub && ip link set ${hostEnd} up`)
  // A default route, as anything on the Internet has: a packet to a private
  // address that is no one's here (a home's LAN) leaves and is dropped
  // upstream (the outer namespace does not forward), instead of failing to
  // send at all, which makes coturn close the allocation that tried it.
  sh(inNs(ns, `ip link set lo up && ip addr add ${cidr} dev eth0 && ip link set eth0 up && ip route add default via ${PUBLIC_GATEWAY}`))
}

/** Cuts or restores a home's uplink (the router's public side). */
export function setUplink (home, up) {
  // Taking the link down drops its routes; the default one comes back by hand.
  sh(inNs(home.router, up
    ? `ip link set eth0 up && ip route replace default via ${PUBLIC_GATEWAY}`
    : 'ip link set eth0 down'))
}

/** An executable that starts Chromium inside a home's namespace, for
 *  playwright-core's executablePath. */
export function chromiumIn (home, dir) {
  mkdirSync(dir, { recursive: true })
  const path = `${dir}/chromium-${home.name}.sh`
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${home.name} ${CHROMIUM_PATH} "$@"\n`)
  chmodSync(path, 0o755)
  return path
}

/** Starts coturn in the TURN namespace with a config and long-term
 *  credentials made for this run. */
export async function startTurn (dir) {
  mkdirSync(dir, { recursive: true })
  const username = `kith-${randomBytes(4).toString('hex')}`
  const password = randomBytes(12).toString('hex')
  const realm = 'kith.test'
  const logFile = `${dir}/turnserver.log`
  const conf = `${dir}/turnserver.conf`
  writeFileSync(conf, [
    `listening-ip=${TURN_ADDRESS}`,
    `relay-ip=${TURN_ADDRESS}`,
    `listening-port=${TURN_PORT}`,
    `min-port=${RELAY_PORTS.min}`,
    `max-port=${RELAY_PORTS.max}`,
    `realm=${realm}`,
    'lt-cred-mech',
    'fingerprint',
    `user=${username}:${password}`,
    `userdb=${dir}/turndb`,
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    `log-file=${logFile}`,
    'simple-log',
    'verbose',
    `pidfile=${dir}/turnserver.pid`,
    ''
  ].join('\n'))
  const child = spawn('ip', ['netns', 'exec', 'turn', '/usr/bin/turnserver', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`turnserver exited: ${stderr}`)
    return existsSync(logFile) && /listener opened on|Relay ports initialization done/.test(readFileSync(logFile, 'utf8'))
  }, 10_000, 'coturn to listen')
  return {
    username,
    password,
    realm,
    logFile,
    stunUrl: `stun:${TURN_ADDRESS}:${TURN_PORT}`,
    turnUrl: `turn:${TURN_ADDRESS}:${TURN_PORT}?transport=udp`,
    async close () {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
}

/** Records every packet the TURN server's interface sees, until stop(). */
export async function startCapture (path) {
  const child = spawn('ip', ['netns', 'exec', 'turn', 'tcpdump', '-i', 'eth0', '-U', '-s', '0', '-w', path], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`tcpdump exited: ${stderr}`)
    return /listening on/.test(stderr)
  }, 10_000, 'tcpdump to start')
  return {
    path,
    async stop () {
      if (child.exitCode === null) {
        child.kill('SIGINT')
        await new Promise((resolve) => child.once('exit', resolve))
      }
      return readFileSync(path)
    }
  }
}

async function waitFor (check, timeoutMs, what) {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
