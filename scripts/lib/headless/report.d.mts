import type { RunnerReport } from '../../../shared/runner/runner-report'
export const REPORT_LIMITS: Readonly<Record<'bodyBytes' | 'address' | 'linkCode' | 'verificationCode' | 'deviceName' | 'trackers' | 'trackerUrl' | 'sync' | 'lastError' | 'friendsOnline', number>>
export const REPORT_PATH: string
export const TOKEN_HEADER: string
export class ReportError extends Error {}
export function parseReport (input: unknown): RunnerReport
export function parseReportBody (body: Uint8Array | string): RunnerReport
