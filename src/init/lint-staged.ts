// lint-staged is no longer how the hook runs rollsafe (it passes only added and modified files, so a
// deleted or renamed migration went unseen, and it starts Node a second time). A project set up that
// way by an earlier init is recognised here and left as it is.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stripComment } from './yaml-text.js';

/** lint-staged's own search order (lint-staged/lib/configFiles.js), package.json first. */
const configFileNames = [
  'package.json',
  'package.yaml',
  'package.yml',
  '.lintstagedrc',
  '.lintstagedrc.json',
  '.lintstagedrc.yaml',
  '.lintstagedrc.yml',
  '.lintstagedrc.mjs',
  '.lintstagedrc.mts',
  '.lintstagedrc.js',
  '.lintstagedrc.ts',
  '.lintstagedrc.cjs',
  '.lintstagedrc.cts',
  'lint-staged.config.mjs',
  'lint-staged.config.mts',
  'lint-staged.config.js',
  'lint-staged.config.ts',
  'lint-staged.config.cjs',
  'lint-staged.config.cts',
];

const runsRollsafe = /(^|[\s"'/])rollsafe\s+lint\b/;

/** The lint-staged config file (the first lint-staged itself would read) when it runs `rollsafe lint`. */
export async function lintStagedRunningRollsafe(projectDir: string, packageJson: Record<string, unknown>): Promise<string | undefined> {
  for (const name of configFileNames) {
    if (name === 'package.json') {
      const tasks = packageJson['lint-staged'];
      if (tasks === undefined) continue;
      return runsRollsafe.test(JSON.stringify(tasks)) ? name : undefined;
    }
    const file = path.join(projectDir, name);
    if (!existsSync(file)) continue;
    const text = await readFile(file, 'utf8');
    if (name.startsWith('package.') && !/^["']?lint-staged["']?\s*:/m.test(text)) continue;
    return text.split('\n').some((line) => runsRollsafe.test(stripComment(line))) ? name : undefined;
  }
  return undefined;
}

/** Indentation as the file already uses it (npm and editors keep it), two spaces by default. */
export function detectIndent(text: string): string | number {
  const match = /^([ \t]+)\S/m.exec(text);
  return match ? match[1]! : 2;
}

export function stringifyJson(value: unknown, like: string): string {
  return JSON.stringify(value, null, detectIndent(like)) + (like === '' || like.endsWith('\n') ? '\n' : '');
}
