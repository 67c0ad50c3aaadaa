// A handshake refused: the other side is not who it should be, or broke the
// protocol. Its message can be shown to the owner as is.
export class HandshakeError extends Error {
  /** True when the other side ended it with a Goodbye: the message then
   *  carries their words, unauthenticated (anyone who reaches the node can
   *  send them), for whoever dialled them, not for a node they dialled. */
  readonly byPeer: boolean

  constructor (message: string, byPeer = false) {
    super(message)
    this.name = 'HandshakeError'
    this.byPeer = byPeer
  }
}
