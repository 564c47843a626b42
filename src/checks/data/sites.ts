// Where in a migration's source a table's rows are written, read from the text (any framework, SQL or
// Python): a line naming the table next to a verb that writes rows. Best matches first.
import { readFileSync } from 'node:fs';
import type { SourceLocation } from '../../types.js';

const verb = /insert|update|delete|merge\b|\bcopy\b|increment|decrement|\.del\s*\(|upsert|\busing\b/i;
const comment = /^\s*(\/\/|#|--|\*|\/\*)/;

/**
 * The lines of `files` that write `table`, best first: verb and table on one line, then a verb within
 * three lines of the table's name; among equals, those that also name `column`.
 */
export function writeSites(files: string[], table: string, column?: string): SourceLocation[] {
  const word = wordOf(table.split('.').at(-1)!);
  const loose = new RegExp(escape(table.split('.').at(-1)!), 'i');
  const columnWord = column ? wordOf(column) : undefined;
  // `total = …`, `total: …`, `'credits'`: the column is what the line writes, not only what it reads.
  const columnSet = column ? new RegExp(`(^|[^\\w$])(["'\`]${escape(column)}["'\`]|${escape(column)}\\s*[=:](?!=))`, 'i') : undefined;
  const scored: { at: SourceLocation; score: number }[] = [];
  for (const file of files) {
    let lines: string[];
    try {
      lines = readFileSync(file, 'utf8').split('\n');
    } catch {
      continue;
    }
    const code = lines.map((line) => (comment.test(line) ? '' : line));
    code.forEach((line, i) => {
      const near = code.slice(i + 1, i + 4);
      let tier: number | undefined;
      if (word.test(line) && verb.test(line)) tier = 0;
      else if (word.test(line) && near.some((next) => verb.test(next) && !word.test(next))) tier = 1;
      else if (verb.test(line) && near.some((next) => word.test(next))) tier = 2;
      else if (loose.test(line) && verb.test(line)) tier = 3;
      if (tier === undefined) return;
      // A statement that goes on below (`UPDATE invoices` then `SET total = …`) is read with its next lines.
      const window = /[;)]\s*$/.test(line) ? [line] : [line, ...near.slice(0, 2)];
      const fit = !columnWord ? 0 : window.some((text) => columnSet!.test(text)) ? 0 : window.some((text) => columnWord.test(text)) ? 1 : 2;
      scored.push({ at: { file, line: i + 1, column: Math.max(1, line.search(/\S/) + 1) }, score: tier * 3 + fit });
    });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, 100)
    .map((site) => site.at);
}

function wordOf(name: string): RegExp {
  return new RegExp(`(^|[^\\w$])"?${escape(name)}"?($|[^\\w$])`, 'i');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
