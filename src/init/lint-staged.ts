// Adds `rollsafe lint` to the project's lint-staged config, wherever that config already lives.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findBlock, isSimpleYaml, joinLines, stripComment } from './yaml-text.js';

export const lintCommand = 'rollsafe lint';

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

export type LintStagedTasks = Record<string, unknown>;

/** Where the config is, and what to do about it. */
export type LintStagedPlan =
  /** Nothing to write: the config already runs rollsafe. */
  | { kind: 'done'; file: string }
  /** Edit package.json's "lint-staged" key (creating it when there is no config yet). */
  | { kind: 'package-json'; tasks: LintStagedTasks }
  /** Rewrite this config file. */
  | { kind: 'file'; file: string; content: string }
  /** A config rollsafe will not edit; the message says what to add. */
  | { kind: 'manual'; file: string; message: string };

function mentionsRollsafe(tasks: LintStagedTasks): boolean {
  return Object.values(tasks).some((commands) =>
    [commands].flat().some((command) => typeof command === 'string' && /(^|\s)rollsafe(\s|$)/.test(command)),
  );
}

/** The tasks with `rollsafe lint` added for each glob, keeping every existing task. */
export function addRollsafeTasks(tasks: LintStagedTasks, globs: string[]): LintStagedTasks {
  const next: LintStagedTasks = { ...tasks };
  for (const glob of globs) {
    const existing = next[glob];
    if (existing === undefined) next[glob] = lintCommand;
    else next[glob] = [...[existing].flat(), lintCommand];
  }
  return next;
}

function manualLine(file: string, globs: string[]): string {
  const entries = globs.map((glob) => `${JSON.stringify(glob)}: ${JSON.stringify(lintCommand)}`).join(', ');
  return `${file}: rollsafe cannot edit this file; add ${entries} to its tasks.`;
}

/** Indentation as the file already uses it (npm and editors keep it), two spaces by default. */
export function detectIndent(text: string): string | number {
  const match = /^([ \t]+)\S/m.exec(text);
  return match ? match[1]! : 2;
}

export function stringifyJson(value: unknown, like: string): string {
  return JSON.stringify(value, null, detectIndent(like)) + (like === '' || like.endsWith('\n') ? '\n' : '');
}

/**
 * Decides where `rollsafe lint` goes: the first config lint-staged itself would read in `projectDir`,
 * else a new "lint-staged" key in package.json.
 */
export async function planLintStaged(
  projectDir: string,
  globs: string[],
  packageJson: Record<string, unknown>,
): Promise<LintStagedPlan> {
  for (const name of configFileNames) {
    const file = path.join(projectDir, name);
    if (name === 'package.json') {
      const tasks = packageJson['lint-staged'];
      if (tasks === undefined) continue;
      if (!isTasks(tasks)) return { kind: 'manual', file: name, message: manualLine(`${name} "lint-staged"`, globs) };
      return mentionsRollsafe(tasks) ? { kind: 'done', file: name } : { kind: 'package-json', tasks: addRollsafeTasks(tasks, globs) };
    }
    if (!existsSync(file)) continue;
    const text = await readFile(file, 'utf8');
    if (name.startsWith('package.')) {
      if (!/^["']?lint-staged["']?\s*:/m.test(text)) continue;
      return { kind: 'manual', file: name, message: manualLine(`${name} "lint-staged"`, globs) };
    }
    if (/\.[cm]?[jt]s$/.test(name)) {
      return text.includes(lintCommand) ? { kind: 'done', file: name } : { kind: 'manual', file: name, message: manualLine(name, globs) };
    }
    return planConfigFile(name, file, text, globs);
  }
  return { kind: 'package-json', tasks: addRollsafeTasks({}, globs) };
}

function isTasks(value: unknown): value is LintStagedTasks {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `.lintstagedrc` is JSON or YAML; `.json` is JSON; `.yaml`/`.yml` YAML. */
function planConfigFile(name: string, file: string, text: string, globs: string[]): LintStagedPlan {
  const looksJson = name.endsWith('.json') || /^\s*\{/.test(text);
  if (looksJson) {
    let tasks: unknown;
    try {
      tasks = JSON.parse(text);
    } catch {
      return { kind: 'manual', file: name, message: manualLine(name, globs) };
    }
    if (!isTasks(tasks)) return { kind: 'manual', file: name, message: manualLine(name, globs) };
    if (mentionsRollsafe(tasks)) return { kind: 'done', file: name };
    return { kind: 'file', file, content: stringifyJson(addRollsafeTasks(tasks, globs), text) };
  }
  if (/(^|\s)rollsafe(\s|$)/m.test(text.split('\n').map(stripComment).join('\n'))) return { kind: 'done', file: name };
  const lines = text.replace(/\n+$/, '').split('\n');
  // Only a flat map of glob -> command(s) is edited; a glob that is already a key would need merging by hand.
  if (!isSimpleYaml(text) || globs.some((glob) => findBlock(lines, glob))) {
    return { kind: 'manual', file: name, message: manualLine(name, globs) };
  }
  const added = globs.map((glob) => `${JSON.stringify(glob)}: ${lintCommand}`);
  return { kind: 'file', file, content: joinLines([...lines, ...added]) };
}
