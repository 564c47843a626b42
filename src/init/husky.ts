// husky 9, set up as its own docs do: a plain `.husky/pre-commit` the user owns, `"prepare": "husky"`,
// and core.hooksPath pointing at `.husky/_` (written by running husky itself). The hook runs rollsafe's
// bin itself (husky puts node_modules/.bin on PATH): no npx, no lint-staged, one Node process per commit.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { rollsafePackage } from '../config/rollsafe-package.js';
import { hooksPath } from './git-config.js';
import { lintStagedRunningRollsafe, stringifyJson } from './lint-staged.js';
import type { InitSteps } from './steps.js';

const execFileAsync = promisify(execFile);

export const hookLine = 'rollsafe lint --staged';

/** The versions rollsafe itself is tested with, so the user's install matches. */
function devDependencyVersions(): Record<string, string> {
  const { root, version } = rollsafePackage();
  const own = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  return {
    husky: own.devDependencies?.husky ?? '^9',
    rollsafe: `^${version}`,
  };
}

function withDevDependencies(pkg: Record<string, any>): { pkg: Record<string, any>; added: string[] } {
  const declared = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
  const wanted = devDependencyVersions();
  const added = Object.keys(wanted).filter((name) => !(name in declared) && name !== pkg.name);
  if (added.length === 0) return { pkg, added };
  const current: Record<string, string> = pkg.devDependencies ?? {};
  const keys = Object.keys(current);
  const wasSorted = keys.every((key, i) => i === 0 || keys[i - 1]!.localeCompare(key) <= 0);
  const merged: Record<string, string> = { ...current };
  for (const name of added) merged[name] = wanted[name]!;
  // npm keeps devDependencies sorted; keep the user's order when they do not.
  const devDependencies = wasSorted
    ? Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)))
    : merged;
  return { pkg: { ...pkg, devDependencies }, added };
}

/** `prepare` runs husky on every `npm install`; an existing prepare script is kept and husky chained after it. */
function withPrepareScript(pkg: Record<string, any>, huskyCommand: string): Record<string, any> {
  const prepare: unknown = pkg.scripts?.prepare;
  if (typeof prepare === 'string' && /(^|[\s;&|])husky(\s|$)/.test(prepare)) return pkg;
  const script = typeof prepare === 'string' && prepare.trim() !== '' ? `${prepare} && ${huskyCommand}` : huskyCommand;
  return { ...pkg, scripts: { ...pkg.scripts, prepare: script } };
}

/** The hook body: existing lines kept, `rollsafe lint --staged` appended once. */
export function huskyPreCommit(existing: string | undefined, cdIntoProject: string | undefined): string | undefined {
  // In a subshell: the lines the user adds after it still run from the repo root.
  const line = cdIntoProject ? `(cd ${JSON.stringify(cdIntoProject)} && ${hookLine})` : hookLine;
  if (existing === undefined) return `${line}\n`;
  if (/(^|[\s/(])rollsafe\s+lint\b/m.test(existing)) return undefined;
  return `${existing}${existing === '' || existing.endsWith('\n') ? '' : '\n'}${line}\n`;
}

export async function setUpHusky(steps: InitSteps, gitRoot: string): Promise<void> {
  const { projectDir } = steps;
  const manifest = path.join(projectDir, 'package.json');
  if (!existsSync(manifest)) {
    steps.note('No package.json here: run `npm init` first, or use `rollsafe init --hook plain`.');
    return;
  }
  const text = await readFile(manifest, 'utf8');
  let pkg = JSON.parse(text) as Record<string, any>;

  // husky works from the repo root; a project in a subfolder keeps its own `.husky` (husky's monorepo recipe).
  const fromRoot = path.relative(gitRoot, projectDir).split(path.sep).join('/');
  const huskyDir = fromRoot === '' ? '.husky' : `${fromRoot}/.husky`;
  const huskyCommand = fromRoot === '' ? 'husky' : `cd ${path.relative(projectDir, gitRoot).split(path.sep).join('/')} && husky ${huskyDir}`;

  const { pkg: withDeps, added } = withDevDependencies(pkg);
  pkg = withPrepareScript(withDeps, huskyCommand);
  await steps.write(manifest, stringifyJson(pkg, text));

  const hookFile = path.join(projectDir, '.husky', 'pre-commit');
  const existingHook = existsSync(hookFile) ? await readFile(hookFile, 'utf8') : undefined;
  // Hooks run from the repo root; rollsafe must start in the project to find its config and node_modules.
  const hook = huskyPreCommit(existingHook, fromRoot === '' ? undefined : fromRoot);
  const viaLintStaged = hook === undefined ? undefined : await lintStagedRunningRollsafe(projectDir, pkg);
  if (viaLintStaged) {
    // Set up by an earlier init: adding the line would run rollsafe twice on every commit.
    steps.note(
      `${viaLintStaged}: lint-staged runs rollsafe, which misses deleted and renamed migrations and costs a second Node start; replace that task with the line \`${hookLine}\` in .husky/pre-commit.`,
    );
  } else if (hook !== undefined) await steps.write(hookFile, hook, 0o755);

  await installHusky(steps, gitRoot, huskyDir);
  if (added.length > 0) steps.note(`Added ${added.join(', ')} to devDependencies: run \`npm install\` to install them.`);
}

/** Points core.hooksPath at `<huskyDir>/_` by running the project's husky, unless it already does. */
async function installHusky(steps: InitSteps, gitRoot: string, huskyDir: string): Promise<void> {
  const wanted = `${huskyDir}/_`;
  const current = await hooksPath(gitRoot);
  if (current === wanted && existsSync(path.join(gitRoot, wanted, 'h'))) return;

  let huskyBin: string;
  try {
    const requireFromProject = createRequire(path.join(steps.projectDir, 'package.json'));
    huskyBin = path.join(path.dirname(requireFromProject.resolve('husky')), 'bin.js');
  } catch {
    steps.note('husky is not installed yet: `npm install` runs its prepare script, which points git at .husky.');
    return;
  }
  if (current !== undefined && current !== wanted) {
    steps.note(`core.hooksPath was ${current}; husky now points it at ${wanted} (hooks in ${current} no longer run).`);
  }
  const env = { ...process.env };
  delete env.HUSKY; // HUSKY=0 means "skip hooks", not "refuse to install" when the user asked for init
  try {
    const { stdout } = await execFileAsync(process.execPath, [huskyBin, huskyDir], { cwd: gitRoot, env });
    if (stdout.trim() !== '') {
      steps.note(`husky: ${stdout.trim()}`);
      return;
    }
  } catch (error) {
    steps.note(`husky failed: ${(error as Error).message.split('\n')[0]}`);
    return;
  }
  steps.record(`git config core.hooksPath ${wanted}`);
}
