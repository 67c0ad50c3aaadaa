// Relays in the node's configuration, next to the trackers: checked like
// any configuration from an untrusted source, layered the same way (host,
// then the owner's), kept when other fields are saved, and left as they are
// by "hide my IP address" (which, like the owner's trackers, they do not
// touch: a relay sees the WebSocket's address and no connection to a friend).
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_CONFIG, DEFAULT_RELAYS, mergeConfig, parseConfig, relaysInConfig } from '../../node-tab/person/config'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

const TURN = { urls: 'turn:127.0.0.1:3478?transport=udp', username: 'u', credential: 'p' }
const nodes: KithNode[] = []
afterEach(async () => { for (const node of nodes.splice(0)) await node.close() })

async function openNode (relays: string[]): Promise<KithNode> {
  const node = await KithNode.open({ db: new NodeDatabase(`relay-config-${Math.random()}`), hostConfig: { trackers: [], relays, iceServers: [] } })
  nodes.push(node)
  return node
}

describe('relays in the configuration', () => {
  it('takes a list of ws:// or wss:// URLs and nothing else', () => {
    expect(parseConfig({ relays: ['wss://relay.example', 'ws://127.0.0.1:7777'] })).toEqual({ relays: ['wss://relay.example', 'ws://127.0.0.1:7777'] })
    expect(parseConfig({ relays: [] })).toEqual({ relays: [] })
    for (const bad of ['wss://one', ['https://relay.example'], ['wss://a b'], [1], null, {}]) expect(() => parseConfig({ relays: bad })).toThrow(ConfigError)
  })

  it('public wss:// relays by default, which a host’s list (even an empty one) replaces; a later layer overrides, a layer without them leaves them', () => {
    expect(DEFAULT_CONFIG.relays).toEqual(DEFAULT_RELAYS)
    expect(DEFAULT_RELAYS.length).toBeGreaterThanOrEqual(3)
    for (const url of DEFAULT_RELAYS) expect(url).toMatch(/^wss:\/\/[a-z0-9.-]+$/)
    // A host with no config.json: the defaults; one that names none: none.
    expect(mergeConfig({}).relays).toEqual(DEFAULT_RELAYS)
    expect(mergeConfig({ trackers: ['ws://t:1'], iceServers: [] }).relays).toEqual(DEFAULT_RELAYS)
    expect(mergeConfig({ relays: [] }).relays).toEqual([])
    expect(mergeConfig({ relays: ['ws://a:1'] }, { trackers: ['ws://t:1'] }).relays).toEqual(['ws://a:1'])
    expect(mergeConfig({ relays: ['ws://a:1'] }, { relays: ['ws://b:1'] }).relays).toEqual(['ws://b:1'])
  })

  it('the host’s relays stay when the owner saves other fields, and "hide my IP address" leaves them as they are', async () => {
    const node = await openNode(['ws://127.0.0.1:1'])
    expect(node.currentConfig.relays).toEqual(['ws://127.0.0.1:1'])
    await node.saveConfig({ trackers: ['ws://127.0.0.1:2'] })
    expect(node.currentConfig.relays).toEqual(['ws://127.0.0.1:1'])
    await node.saveConfig({ iceServers: [TURN], relayOnly: true })
    expect(node.currentConfig.relays).toEqual(['ws://127.0.0.1:1'])
    await node.saveConfig({ relays: ['ws://127.0.0.1:3'] })
    expect(node.currentConfig.relays).toEqual(['ws://127.0.0.1:3'])
    expect(node.status().relays).toEqual([])
  })

  it('“Keep everything off relays” takes a boolean, is kept when other fields are saved, and empties the relays in use while keeping the list', async () => {
    expect(parseConfig({ relaysOff: true })).toEqual({ relaysOff: true })
    for (const bad of ['yes', 1, null]) expect(() => parseConfig({ relaysOff: bad })).toThrow(ConfigError)
    expect(relaysInConfig(mergeConfig({ relays: ['ws://a:1'] }, { relaysOff: true }))).toEqual([])
    const node = await openNode(['ws://127.0.0.1:1'])
    await node.saveConfig({ relaysOff: true })
    await node.saveConfig({ trackers: ['ws://127.0.0.1:2'] })
    expect(node.currentConfig.relaysOff).toBe(true)
    expect(node.currentConfig.relays).toEqual(['ws://127.0.0.1:1'])
    expect(node.relayDirectory.urls()).toEqual([])
    await node.saveConfig({ relaysOff: false })
    expect(node.relayDirectory.urls()).toEqual(['ws://127.0.0.1:1'])
  })

  it('reset goes back to the host’s list, and stays so after a restart; with a host that names none, to the public defaults', async () => {
    const name = `relay-reset-${Math.random()}`
    const host = { trackers: [], relays: ['ws://127.0.0.1:1'], iceServers: [] }
    const node = await KithNode.open({ db: new NodeDatabase(name), hostConfig: host })
    nodes.push(node)
    await node.saveConfig({ relays: ['ws://127.0.0.1:5'], relaysOff: true })
    await node.resetRelays()
    expect(node.currentConfig.relays).toEqual(['ws://127.0.0.1:1'])
    expect(node.currentConfig.relaysOff).toBe(true) // only the list is reset
    node.close()
    nodes.pop()
    const again = await KithNode.open({ db: new NodeDatabase(name), hostConfig: host })
    nodes.push(again)
    expect(again.currentConfig.relays).toEqual(['ws://127.0.0.1:1'])
    // A host that says nothing about relays (no config.json): the defaults.
    const bare = await KithNode.open({ db: new NodeDatabase(`relay-bare-${Math.random()}`), hostConfig: { trackers: [], iceServers: [] } })
    nodes.push(bare)
    await bare.saveConfig({ relays: [] })
    await bare.resetRelays()
    expect(bare.currentConfig.relays).toEqual(DEFAULT_RELAYS)
  })
})
