// How many working trackers (or relays) a friend's answer may name: apart
// from protocol.ts because the node's tracker book, on its first screen's
// path, keeps to it too, and the protocol's checks load with the network.
export const MAX_SHARED_TRACKERS = 5
