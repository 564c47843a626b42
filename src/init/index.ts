// `rollsafe init`: wires rollsafe into the project's commit hook, by default husky;
// `--ci github` writes a CI workflow instead.
import path from 'node:path';
import { loadConfig } from '../config/index.js';
import { discoverSets } from '../discover/index.js';
import { gitRoot as findGitRoot } from './git-config.js';
import { setUpGithubWorkflow } from './github-workflow.js';
import { setUpHusky } from './husky.js';
import { setUpPlainHook } from './plain.js';
import { InitSteps } from './steps.js';
import { setUpLefthook, setUpPreCommit } from './yaml-hooks.js';

export type HookKind = 'husky' | 'plain' | 'lefthook' | 'pre-commit';

export interface InitOptions {
  /** The project folder (where package.json is). */
  cwd: string;
  hook?: HookKind;
  /** Write a CI workflow instead of a commit hook. */
  ci?: 'github';
}

export interface InitResult {
  /** Files written (relative to cwd) and git settings changed; empty when everything was already set up. */
  changed: string[];
  /** One line each: what the user should still do, or why something was left to them. */
  messages: string[];
}

export async function init(options: InitOptions): Promise<InitResult> {
  const projectDir = path.resolve(options.cwd);
  const steps = new InitSteps(projectDir);
  const root = await findGitRoot(projectDir);
  if (!root) {
    steps.note('Not inside a git repository: run `git init` first.');
    return { changed: steps.changed, messages: steps.messages };
  }
  if (options.ci === 'github') {
    await setUpGithubWorkflow(steps, root);
    return { changed: steps.changed, messages: steps.messages };
  }

  const config = await loadConfig(projectDir);
  const sets = await discoverSets(projectDir, { sets: config.sets?.map((set) => ({ dir: set.dir, framework: set.framework })) });
  if (sets.length === 0) {
    steps.note('No migration folder found: the hook checks the staged migrations of the sets rollsafe finds; list yours under "sets" in rollsafe.config.json.');
  }

  switch (options.hook ?? 'husky') {
    case 'husky':
      await setUpHusky(steps, root);
      break;
    case 'plain':
      await setUpPlainHook(steps, root);
      break;
    case 'lefthook':
      await setUpLefthook(steps, root);
      break;
    case 'pre-commit':
      await setUpPreCommit(steps, root);
      break;
  }
  return { changed: steps.changed, messages: steps.messages };
}
