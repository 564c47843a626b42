// lefthook and pre-commit: add a rollsafe entry to their YAML config as a text edit, keeping
// every other line as the user wrote it; a config too unusual to edit safely gets instructions instead.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { childIndent, findBlock, indentOf, indentSnippet, isSimpleYaml, joinLines, stripComment } from './yaml-text.js';
import type { InitSteps } from './steps.js';

// The project's own bin, not npx (half a second per commit); --staged, not file names, so that a
// deleted or renamed migration is seen too (neither hook manager passes deleted files).
const stagedCommand = 'node_modules/.bin/rollsafe lint --staged';

function mentionsRollsafe(text: string, pattern: RegExp): boolean {
  return text.split('\n').some((line) => pattern.test(stripComment(line)));
}

function manual(file: string, snippet: string[], where: string): string {
  return `${file}: rollsafe cannot edit this file safely; add ${where}:\n${snippet.map((line) => `    ${line}`).join('\n')}`;
}

// ---------------------------------------------------------------- lefthook

const lefthookFiles = ['lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml', '.config/lefthook.yml', '.config/lefthook.yaml'];
const lefthookOtherFormats = ['lefthook.toml', '.lefthook.toml', 'lefthook.json', '.lefthook.json'];

/** The `rollsafe:` command, written at indent 0 with two-space steps. */
function lefthookCommand(projectFromRoot: string): string[] {
  return [
    'rollsafe:',
    // lefthook runs commands from the repo root; `root` moves a subfolder project's command there.
    ...(projectFromRoot === '' ? [] : [`  root: ${JSON.stringify(`${projectFromRoot}/`)}`]),
    `  run: ${stagedCommand}`,
  ];
}

/** Edits lefthook's config text; returns the new text, or undefined when it cannot be done safely. */
export function addLefthookCommand(text: string, projectFromRoot: string): string | undefined {
  const command = lefthookCommand(projectFromRoot);
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const preCommit = findBlock(lines, 'pre-commit');
  if (!preCommit) {
    const separator = lines.length > 0 && lines[lines.length - 1]!.trim() !== '' ? [''] : [];
    return joinLines([...lines, ...separator, 'pre-commit:', '  commands:', ...indentSnippet(command, 4, 2)]);
  }
  if (preCommit.inlineValue !== '') return undefined;
  const step = childIndent(lines, preCommit) ?? 2;
  if (findBlock(lines, 'jobs', step, preCommit.start + 1, preCommit.end)) return undefined; // lefthook ≥1.10 jobs: the user's style
  const commands = findBlock(lines, 'commands', step, preCommit.start + 1, preCommit.end);
  if (!commands) {
    const added = [' '.repeat(step) + 'commands:', ...indentSnippet(command, step * 2, step)];
    return joinLines([...lines.slice(0, preCommit.end), ...added, ...lines.slice(preCommit.end)]);
  }
  if (commands.inlineValue !== '') return undefined;
  const base = childIndent(lines, commands) ?? step * 2;
  const added = indentSnippet(command, base, Math.max(base - indentOf(lines[commands.start]!), 2));
  return joinLines([...lines.slice(0, commands.end), ...added, ...lines.slice(commands.end)]);
}

export async function setUpLefthook(steps: InitSteps, gitRoot: string): Promise<void> {
  const other = lefthookOtherFormats.find((name) => existsSync(path.join(gitRoot, name)));
  const fromRoot = path.relative(gitRoot, steps.projectDir).split(path.sep).join('/');
  const snippet = ['pre-commit:', '  commands:', ...indentSnippet(lefthookCommand(fromRoot), 4, 2)];
  if (other) {
    steps.note(`${other}: rollsafe edits only YAML; add a pre-commit command running \`${stagedCommand}\`.`);
    return;
  }
  const name = lefthookFiles.find((candidate) => existsSync(path.join(gitRoot, candidate))) ?? 'lefthook.yml';
  const file = path.join(gitRoot, name);
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  if (mentionsRollsafe(text, /(^|[\s/])rollsafe\s+lint\b/)) return;
  const edited = isSimpleYaml(text) ? addLefthookCommand(text, fromRoot) : undefined;
  if (edited === undefined) {
    steps.note(manual(name, snippet, 'this under pre-commit commands'));
    return;
  }
  await steps.write(file, edited);
  steps.note('Run `npx lefthook install` (or reinstall lefthook) so git runs the new command.');
}

// ---------------------------------------------------------------- pre-commit

/**
 * The `repo: local` entry, written as a list item at indent 0 with two-space steps. It runs on every
 * commit (pre-commit leaves deleted files out of its file filter); rollsafe exits at once when no
 * staged path can be a migration.
 */
function preCommitRepo(): string[] {
  return [
    '- repo: local',
    '  hooks:',
    '    - id: rollsafe',
    '      name: rollsafe (migrations re-runnable and reversible)',
    `      entry: ${stagedCommand}`,
    '      language: system',
    '      always_run: true',
    '      pass_filenames: false',
  ];
}

/** Edits .pre-commit-config.yaml text; returns the new text, or undefined when it cannot be done safely. */
export function addPreCommitHook(text: string): string | undefined {
  const entry = preCommitRepo();
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const repos = findBlock(lines, 'repos');
  if (!repos) {
    const separator = lines.length > 0 && lines[lines.length - 1]!.trim() !== '' ? [''] : [];
    return joinLines([...lines, ...separator, 'repos:', ...indentSnippet(entry, 2, 2)]);
  }
  if (repos.inlineValue !== '') return undefined;
  const itemIndent = childIndent(lines, repos) ?? 2;
  if (!lines.slice(repos.start + 1, repos.end).some((line) => indentOf(line) === itemIndent && line.trimStart().startsWith('-'))) {
    if (repos.end > repos.start + 1) return undefined; // children that are not list items: not pre-commit's shape
  }
  const added = entry.map((line) => ' '.repeat(itemIndent) + line);
  return joinLines([...lines.slice(0, repos.end), ...added, ...lines.slice(repos.end)]);
}

export async function setUpPreCommit(steps: InitSteps, gitRoot: string): Promise<void> {
  const name = '.pre-commit-config.yaml';
  const file = path.join(gitRoot, name);
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  if (mentionsRollsafe(text, /^\s*-?\s*id:\s*['"]?rollsafe['"]?\s*$/)) return;
  const edited = isSimpleYaml(text) ? addPreCommitHook(text) : undefined;
  if (edited === undefined) {
    steps.note(manual(name, preCommitRepo(), 'this item under repos'));
    return;
  }
  await steps.write(file, edited);
  if (path.resolve(gitRoot) !== path.resolve(steps.projectDir)) {
    steps.note(`pre-commit runs hooks from the repo root: make sure \`${stagedCommand}\` finds rollsafe there.`);
  }
  steps.note('Run `pre-commit install` once so git runs pre-commit.');
}
