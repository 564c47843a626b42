// `rollsafe init --ci github`: a GitHub Actions workflow running the same rules as the commit hook,
// with SARIF for code scanning and annotations on a pull request's own migrations.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InitSteps } from './steps.js';

export const workflowPath = '.github/workflows/rollsafe.yml';

/** The workflow for a project at `fromRoot` ('' when package.json is at the repo root). */
export function githubWorkflow(fromRoot: string): string {
  const inProject = (file: string) => (fromRoot === '' ? file : `${fromRoot}/${file}`);
  const lines = [
    '# Written by `rollsafe init --ci github`; yours to edit.',
    'name: rollsafe',
    '',
    'on:',
    '  push:',
    '    branches: [main]',
    '  pull_request:',
    '',
    'permissions:',
    '  contents: read',
    '  actions: read',
    '  security-events: write',
    '',
    'jobs:',
    '  migrations:',
    '    runs-on: ubuntu-latest',
    ...(fromRoot === '' ? [] : ['    defaults:', '      run:', `        working-directory: ${fromRoot}`]),
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          fetch-depth: 0 # --changed-since needs the base branch history',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    '          cache: npm',
    ...(fromRoot === '' ? [] : [`          cache-dependency-path: ${inProject('package-lock.json')}`]),
    '      - run: npm ci',
    '      - name: Check every migration',
    '        id: lint',
    '        continue-on-error: true # upload the findings first, fail the job at the end',
    '        run: npx rollsafe lint --all --format sarif --output-file rollsafe.sarif',
    '      - name: Upload findings to code scanning',
    `        if: hashFiles('${inProject('rollsafe.sarif')}') != ''`,
    '        uses: github/codeql-action/upload-sarif@v3',
    '        with:',
    `          sarif_file: ${inProject('rollsafe.sarif')}`,
    '          category: rollsafe',
    "      - name: Annotate the pull request's migrations",
    "        if: github.event_name == 'pull_request'",
    '        continue-on-error: true',
    '        run: npx rollsafe lint --changed-since origin/${{ github.base_ref }} --format github',
    '      - name: Fail when rollsafe found errors',
    "        if: steps.lint.outcome == 'failure'",
    '        run: |',
    '          echo "rollsafe lint --all failed: see the code scanning alerts or run it locally" >&2',
    '          exit 1',
  ];
  return lines.join('\n') + '\n';
}

export async function setUpGithubWorkflow(steps: InitSteps, gitRoot: string): Promise<void> {
  const file = path.join(gitRoot, ...workflowPath.split('/'));
  const fromRoot = path.relative(gitRoot, steps.projectDir).split(path.sep).join('/');
  const workflow = githubWorkflow(fromRoot);
  if (existsSync(file)) {
    // A workflow the user has edited is theirs; only an identical one counts as already done.
    if ((await readFile(file, 'utf8')) !== workflow) steps.note(`${workflowPath} already exists: left untouched.`);
    return;
  }
  await steps.write(file, workflow);
  if (!existsSync(path.join(steps.projectDir, 'package-lock.json'))) {
    steps.note('No package-lock.json: the workflow runs `npm ci`; change that step to your package manager\'s install.');
  }
  if (!(await listsRollsafe(steps.projectDir))) {
    steps.note('Add rollsafe to devDependencies (`npm install -D rollsafe`) so `npx rollsafe` in CI runs your pinned version.');
  }
}

async function listsRollsafe(projectDir: string): Promise<boolean> {
  const manifest = path.join(projectDir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    const pkg = JSON.parse(await readFile(manifest, 'utf8')) as { dependencies?: object; devDependencies?: object };
    return 'rollsafe' in (pkg.devDependencies ?? {}) || 'rollsafe' in (pkg.dependencies ?? {});
  } catch {
    return false;
  }
}
