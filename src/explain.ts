import chalk from 'chalk';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean } from './config/closest-name.js';
import { rollsafePackage } from './config/rollsafe-package.js';

/** `rollsafe explain` was given a rule id no doc page exists for. */
export class UnknownRuleError extends Error {
  override name = 'UnknownRuleError';
}

/** The folder of rule doc pages, whether rollsafe runs from src/ or from an installed dist/src/. */
export function rulesDocsDir(): string {
  return join(rollsafePackage().root, 'rules');
}

/** A rule's doc page (`rules/<id>.md`) rendered for the terminal. */
export function explainRule(id: string, rulesDir: string): string {
  const known = existsSync(rulesDir)
    ? readdirSync(rulesDir).filter((name) => name.endsWith('.md')).map((name) => name.slice(0, -'.md'.length))
    : [];
  if (!known.includes(id)) throw new UnknownRuleError(`unknown rule "${id}"${didYouMean(id, known)}`);
  return renderMarkdown(readFileSync(join(rulesDir, `${id}.md`), 'utf8'));
}

function renderInline(line: string): string {
  return line
    .replace(/`([^`]+)`/g, (_, code: string) => chalk.cyan(code))
    .replace(/\*\*([^*]+)\*\*/g, (_, text: string) => chalk.bold(text))
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, text: string, url: string) => `${text} ${chalk.dim(`(${url})`)}`);
}

/** Just enough Markdown for doc pages: headings, fenced code, inline code, bold, links. */
export function renderMarkdown(markdown: string): string {
  const out: string[] = [];
  let inCode = false;
  for (const line of markdown.replace(/\r\n/g, '\n').split('\n')) {
    const fence = /^\s*(```|~~~)\s*(\S*)/.exec(line);
    if (fence) {
      inCode = !inCode;
      // The fence's language (ts, sql…) tells which framework an example is for.
      if (inCode && fence[2]) out.push(chalk.dim(`    ${fence[2]}:`));
      continue;
    }
    if (inCode) {
      out.push(chalk.dim(`    ${line}`));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const text = heading[2].replace(/`([^`]+)`/g, '$1');
      out.push(heading[1].length === 1 ? chalk.bold.underline(text) : chalk.bold(text));
      continue;
    }
    out.push(renderInline(line));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
