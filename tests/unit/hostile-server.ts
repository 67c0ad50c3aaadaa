// The server's end of the node's WebSocket, for the attack tests where a
// tracker or a relay is the attacker: it hears everything the node sends
// and delivers whatever it likes, in any order.

/** The node's socket, opened at once (a tick later, as a real one). */
class ServerHeldSocket {
  readyState = 1
  onopen: ((ev: Event) => void) | null = null
  onmessage: ((ev: MessageEvent) => void) | null = null
  onerror: ((ev: Event) => void) | null = null
  onclose: ((ev: CloseEvent) => void) | null = null
  constructor (private readonly heard: (text: string) => void) {}
  send (text: string): void { this.heard(text) }
  close (): void { this.readyState = 3 }
}

export abstract class HostileServer {
  private socket: ServerHeldSocket | null = null

  /** Pass as the node's createSocket. */
  createSocket = (): WebSocket => {
    const socket = new ServerHeldSocket((text) => this.hear(text))
    this.socket = socket
    setTimeout(() => socket.onopen?.(new Event('open')), 0)
    return socket as unknown as WebSocket
  }

  /** One message the node sent. */
  protected abstract hear (text: string): void

  deliver (text: string): void { this.socket?.onmessage?.({ data: text } as MessageEvent) }
}
