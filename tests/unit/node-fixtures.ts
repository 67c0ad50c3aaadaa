// Shared by tests that talk to a real KithNode: a session from someone to the
// node over the memory transport, the node's side built as for any incoming
// connection (its own handlers, stranger policy and limits).
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { Identity } from '../../shared/identity/identity'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import type { KithNode, NodeSession } from '../../node-tab/node'

export async function dialNode (node: KithNode, who: Identity): Promise<NodeSession> {
  const [a, b] = createMemoryTransportPair()
  const startSession = node.connections.startSession.bind(node.connections)
  const [mine] = await Promise.all([
    establishSession<NodeMethods, NodeMethods>(a, { identity: who, handlers: () => ({}) }),
    startSession(b)
  ])
  return mine
}
