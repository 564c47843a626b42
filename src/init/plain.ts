// A plain git hook, no package manager involved: rollsafe's hooks/pre-commit copied into
// <project>/.githooks, and core.hooksPath pointed there when nothing else claims it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rollsafePackage } from '../config/rollsafe-package.js';
import { gitCommonDir, hooksPath, setHooksPath } from './git-config.js';
import type { InitSteps } from './steps.js';

export async function setUpPlainHook(steps: InitSteps, gitRoot: string): Promise<void> {
  const source = path.join(rollsafePackage().root, 'hooks', 'pre-commit');
  const hookDir = path.join(steps.projectDir, '.githooks');
  await steps.write(path.join(hookDir, 'pre-commit'), await readFile(source, 'utf8'), 0o755);

  // git reads a relative core.hooksPath from the work tree root, and so does every clone.
  const fromRoot = path.relative(gitRoot, hookDir).split(path.sep).join('/');
  const current = await hooksPath(gitRoot);
  if (current === undefined) {
    await setHooksPath(gitRoot, fromRoot);
    steps.record(`git config core.hooksPath ${fromRoot}`);
  } else if (path.resolve(gitRoot, current) !== hookDir) {
    steps.note(
      `core.hooksPath is already ${current}: add the line \`${fromRoot}/pre-commit "$@" || exit $?\` to ${current}/pre-commit.`,
    );
    return;
  }

  const previous = path.join(await gitCommonDir(gitRoot), 'hooks', 'pre-commit');
  if (existsSync(previous)) steps.note(`Your existing ${path.relative(gitRoot, previous)} still runs, before rollsafe.`);
  steps.note(`Each clone needs \`git config core.hooksPath ${fromRoot}\` once; skip the hook with ROLLSAFE=0.`);
}
