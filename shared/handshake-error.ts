// A handshake refused: the other side is not who it should be, or broke the
// protocol. Its message can be shown to the owner as is.
export class HandshakeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'HandshakeError'
  }
}
