// Helpers shared by the bench systems (raw, bugout, kith).
export { CONNECTS, STANDARD_FIGURES, SIZES, figure, failed, mbps } from './figures.mjs'
export { percentile, summarize } from './stats.mjs'
export { withTimeout, TimeoutError, sleep } from './timeout.mjs'
export { openPerson, withPair, isLocalUrl, checkNoIceServers } from './people.mjs'
export { figureLog, rpcFigures, transferFigure } from './report.mjs'
export { closeAll, openHarnessPerson, openHarnessPersonOnDisk, openPersonOnDisk, withHarness } from './harness.mjs'
export { measureChannelFigures } from './channel-figures.mjs'
