import type { FileResult } from '../types.js';
import { displayPath, reportedRuleId, type FormatContext } from './context.js';

// GitHub's workflow-command escaping (actions/toolkit, core/src/command.ts).
const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One `::error`/`::warning` workflow command per finding: GitHub Actions turns them into annotations. */
export function github(results: FileResult[], context: FormatContext): string {
  const lines: string[] = [];
  for (const result of results) {
    const file = displayPath(result.filePath, context.cwd);
    for (const finding of result.messages) {
      const command = finding.severity === 2 ? 'error' : 'warning';
      const properties = [
        `file=${escapeProperty(file)}`,
        `line=${finding.line}`,
        `col=${finding.column}`,
        `title=${escapeProperty(reportedRuleId(finding))}`,
      ].join(',');
      const checkedOn = finding.engine ? ` (checked on ${finding.engine})` : '';
      const message = `${finding.message}${checkedOn}${finding.help ? `\n→ ${finding.help}` : ''}`;
      lines.push(`::${command} ${properties}::${escapeData(message)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
