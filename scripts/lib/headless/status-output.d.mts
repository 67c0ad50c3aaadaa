import type { RunnerReport } from '../../../shared/runner/runner-report'
export function shortAddress (address: string): string
export function statusLine (report: RunnerReport, now?: Date): string
export function linkBlock (report: RunnerReport & { linkCode: string }): Promise<string>
export class StatusPrinter {
  constructor (opts: { write: (text: string) => void, now?: () => Date })
  show (report: RunnerReport): Promise<boolean>
  forget (): void
}
