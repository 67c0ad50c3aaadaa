// Relays in the node's configuration, next to the trackers: checked like
// any configuration from an untrusted source, layered the same way (host,
// then the owner's), kept when other fields are saved, and left as they are
// by "hide my IP address" (which, like the owner's trackers, they do not
// touch: a relay sees the WebSocket's address and no connection to a friend).
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_CONFIG, mergeConfig, parseConfig } from '../../node-tab/person/config'
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

  it('none by default; a later layer overrides, a layer without them leaves them', () => {
    expect(DEFAULT_CONFIG.relays ?? []).toEqual([])
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
})
