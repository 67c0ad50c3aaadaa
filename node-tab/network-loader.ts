// The node's network half (network.ts) is loaded with import() on the first
// listen or dial, once for the whole tab, so opening a node and showing its
// data needs only its storage code (the first screen does not wait for it).
export type Network = typeof import('./network')

let network: Promise<Network> | null = null

export function loadNetwork (): Promise<Network> {
  network ??= import('./network').catch((err: unknown) => {
    network = null // a later listen or dial tries again
    throw err
  })
  return network
}
