// How idempotent-up and idempotent-down say what a second run did to rows, and where: on the line of
// the direction that writes the table, else on the direction itself.
import type { DataRerun, SourceLocation } from './types.js';

export type RerunMessageId = 'insertsAgain' | 'deletesAgain' | 'changesAgain';

export const rerunMessages: Record<RerunMessageId, string> = {
  insertsAgain: '{{direction}} is not idempotent: a second run inserted {{count}} more {{rows}} into {{table}} ({{example}})',
  deletesAgain: '{{direction}} is not idempotent: a second run deleted {{count}} more {{rows}} of {{table}} ({{example}})',
  changesAgain: '{{direction}} is not idempotent: a second run changed {{table}}.{{column}} again in {{count}} of {{of}} rows ({{example}})',
};

/** The message and data of one re-run change, placed inside `start`'s function or section when a line there writes the table. */
export function rerunReport(
  change: DataRerun,
  direction: 'up' | 'down',
  start: SourceLocation | undefined,
  other: SourceLocation | undefined,
): { messageId: RerunMessageId; data: Record<string, string | number>; loc?: SourceLocation } {
  const messageId = change.change === 'inserted' ? 'insertsAgain' : change.change === 'deleted' ? 'deletesAgain' : 'changesAgain';
  const data = { direction, table: change.table, column: change.column ?? '', count: change.count, of: change.of, rows: change.count === 1 ? 'row' : 'rows', example: change.example };
  return { messageId, data, loc: siteWithin(change.sites, start, other) ?? start };
}

/** The first site from `start` to `other` when that comes later in the same file (else to the end of it). */
export function siteWithin(sites: SourceLocation[], start: SourceLocation | undefined, other: SourceLocation | undefined): SourceLocation | undefined {
  if (!start) return undefined;
  const end = other && other.file === start.file && other.line > start.line ? other.line : Infinity;
  return sites.find((site) => site.file === start.file && site.line >= start.line && site.line < end);
}
