import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RunnerReport } from '../../../shared/runner/runner-report'
export function newRunnerToken (): string
export function reportEndpoint (opts: { token: string, onReport: (report: RunnerReport) => void, maxBytes?: number }): (req: IncomingMessage, res: ServerResponse, url: URL) => boolean
