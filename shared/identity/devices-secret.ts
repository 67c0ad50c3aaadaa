// The size of the devices' shared swarm secret (see deviceMeeting): apart
// from link-protocol.ts, which loads with linking, as the node reads the
// stored secret at open.
export const DEVICES_SECRET_BYTES = 32
