// "Hide my IP address from friends": the setting is checked like any other
// configuration from a text field, only accepted with a TURN server to relay
// through, kept on this device across a restart, and turned into
// iceTransportPolicy 'relay' for every connection.
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, hasTurnServer, mergeConfig, parseConfig, RELAY_ONLY_NEEDS_TURN, rtcConfigOf } from '../../node-tab/person/config'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

const TURN = { urls: 'turn:127.0.0.1:3478?transport=udp', username: 'u', credential: 'p' }
const nodes: KithNode[] = []

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close()
})

async function openNode (name: string, db = new NodeDatabase(`relay-only-${name}-${Math.random()}`)): Promise<KithNode> {
  const node = await KithNode.open({ db, hostConfig: { trackers: [], relays: [], iceServers: [] } })
  nodes.push(node)
  return node
}

describe('parsing the setting', () => {
  it('takes true or false and nothing else', () => {
    expect(parseConfig({ relayOnly: true })).toEqual({ relayOnly: true })
    expect(parseConfig({ relayOnly: false })).toEqual({ relayOnly: false })
    for (const bad of ['yes', 1, null, {}, []]) expect(() => parseConfig({ relayOnly: bad })).toThrow(ConfigError)
  })

  it('a later layer overrides it, a layer without it leaves it', () => {
    expect(mergeConfig({ relayOnly: true }, { trackers: ['ws://127.0.0.1:1'] }).relayOnly).toBe(true)
    expect(mergeConfig({ relayOnly: true }, { relayOnly: false }).relayOnly).toBe(false)
  })

  it('knows a TURN server from a STUN one, in a string or a list of URLs', () => {
    expect(hasTurnServer([{ urls: 'stun:127.0.0.1:3478' }])).toBe(false)
    expect(hasTurnServer([])).toBe(false)
    expect(hasTurnServer([{ urls: ['stun:127.0.0.1:3478', 'turns:127.0.0.1:5349'] }])).toBe(true)
    expect(hasTurnServer([TURN])).toBe(true)
  })
})

describe('what the browser is told', () => {
  it('relay only when the setting is on; every kind of candidate otherwise', () => {
    expect(rtcConfigOf({ trackers: [], iceServers: [TURN], relayOnly: true })).toEqual({ iceServers: [TURN], iceTransportPolicy: 'relay' })
    expect(rtcConfigOf({ trackers: [], iceServers: [TURN], relayOnly: false }).iceTransportPolicy).toBe('all')
    expect(rtcConfigOf({ trackers: [], iceServers: [TURN] }).iceTransportPolicy).toBe('all')
  })

  it('fails closed: relay-only without a TURN server still says relay (connects to nobody rather than show the address)', () => {
    expect(rtcConfigOf({ trackers: [], iceServers: [], relayOnly: true }).iceTransportPolicy).toBe('relay')
  })
})

describe('saving it on a node', () => {
  it('is refused without a TURN server, in plain words, and nothing is saved', async () => {
    const node = await openNode('refused')
    await expect(node.saveConfig({ iceServers: [{ urls: 'stun:127.0.0.1:3478' }], relayOnly: true })).rejects.toThrow(RELAY_ONLY_NEEDS_TURN)
    expect(node.currentConfig.relayOnly).not.toBe(true)
    expect(node.rtcConfig.iceTransportPolicy).toBe('all')
    expect(await node.db.getSetting('config.overrides', (v): v is unknown => true)).toBeUndefined()
  })

  it('is refused when the TURN server is removed while it is on', async () => {
    const node = await openNode('removed')
    await node.saveConfig({ iceServers: [TURN], relayOnly: true })
    await expect(node.saveConfig({ iceServers: [] })).rejects.toThrow(RELAY_ONLY_NEEDS_TURN)
    expect(node.rtcConfig).toEqual({ iceServers: [TURN], iceTransportPolicy: 'relay' })
  })

  it('with a TURN server it is kept on this device across a restart and makes every connection relay-only', async () => {
    const name = `relay-only-kept-${Math.random()}`
    const node = await openNode('kept', new NodeDatabase(name))
    await node.saveConfig({ iceServers: [TURN], relayOnly: true })
    expect(node.rtcConfig.iceTransportPolicy).toBe('relay')
    await node.close()
    nodes.splice(nodes.indexOf(node), 1)
    const again = await openNode('kept', new NodeDatabase(name))
    expect(again.currentConfig.relayOnly).toBe(true)
    expect(again.rtcConfig).toEqual({ iceServers: [TURN], iceTransportPolicy: 'relay' })
  })
})
