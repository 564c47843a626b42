import chalk from 'chalk';
import { stripVTControlCharacters } from 'node:util';
import type { FileResult } from '../types.js';
import { countProblems, displayPath, type FormatContext } from './context.js';

const visibleWidth = (text: string) => stripVTControlCharacters(text).length;
const padEnd = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
const padStart = (text: string, width: number) => ' '.repeat(Math.max(0, width - visibleWidth(text))) + text;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** ESLint's stylish layout, plus each finding's help on a dimmed line below it. Silent when all is well. */
export function stylish(results: FileResult[], context: FormatContext): string {
  const { errors, warnings } = countProblems(results);
  if (errors + warnings === 0) return '';

  const blocks: string[] = [];
  for (const result of results) {
    if (result.messages.length === 0) continue;
    const rows = result.messages.map((finding) => ({
      position: `${finding.line}:${finding.column}`,
      severity: finding.severity === 2 ? chalk.red('error') : chalk.yellow('warning'),
      message: finding.engine ? `${finding.message} ${chalk.dim(`(checked on ${finding.engine})`)}` : finding.message,
      ruleId: finding.ruleId ? chalk.dim(finding.ruleId) : '',
      help: finding.help,
    }));
    const positionWidth = Math.max(...rows.map((row) => row.position.length));
    const severityWidth = Math.max(...rows.map((row) => visibleWidth(row.severity)));
    const messageWidth = Math.max(0, ...rows.filter((row) => row.ruleId).map((row) => visibleWidth(row.message)));
    // The help lines up under the message column.
    const helpIndent = ' '.repeat(2 + positionWidth + 2 + severityWidth + 2);

    const lines = [chalk.underline(displayPath(result.filePath, context.cwd))];
    for (const row of rows) {
      const columns = [padStart(row.position, positionWidth), padEnd(row.severity, severityWidth), row.ruleId ? padEnd(row.message, messageWidth) : row.message];
      if (row.ruleId) columns.push(row.ruleId);
      lines.push(`  ${columns.join('  ')}`);
      if (row.help) lines.push(chalk.dim(`${helpIndent}→ ${row.help.split('\n').join(`\n${helpIndent}  `)}`));
    }
    blocks.push(lines.join('\n'));
  }

  const summary = `✖ ${plural(errors + warnings, 'problem')} (${plural(errors, 'error')}, ${plural(warnings, 'warning')})`;
  const paint = errors > 0 ? chalk.red.bold : chalk.yellow.bold;
  return `\n${blocks.join('\n\n')}\n\n${paint(summary)}\n`;
}
