// The few git facts init needs: where the repo is, and the core.hooksPath setting.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Absolute path of the work tree root, or undefined outside a git repository. */
export async function gitRoot(cwd: string): Promise<string | undefined> {
  try {
    return (await execFileAsync('git', ['rev-parse', '--show-toplevel'], { cwd })).stdout.trim();
  } catch {
    return undefined;
  }
}

/** The repository's git folder (the common one, shared by worktrees): where `hooks/` lives by default. */
export async function gitCommonDir(cwd: string): Promise<string> {
  return (await execFileAsync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd })).stdout.trim();
}

/** core.hooksPath as git sees it from `cwd` (any scope), or undefined when unset. */
export async function hooksPath(cwd: string): Promise<string | undefined> {
  try {
    const value = (await execFileAsync('git', ['config', 'core.hooksPath'], { cwd })).stdout.trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined; // exit code 1: not set
  }
}

/** Sets core.hooksPath in the repository's own config. */
export async function setHooksPath(cwd: string, value: string): Promise<void> {
  await execFileAsync('git', ['config', '--local', 'core.hooksPath', value], { cwd });
}
