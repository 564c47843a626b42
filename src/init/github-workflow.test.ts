import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workflowPath } from './github-workflow.js';
import { init } from './index.js';
import { findBlock } from './yaml-text.js';

let repo: string;

beforeEach(() => {
  repo = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'rollsafe-ci-')));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

function project(dir = ''): string {
  const folder = path.join(repo, dir);
  mkdirSync(path.join(folder, 'migrations'), { recursive: true });
  writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'shop', devDependencies: { rollsafe: '^0.1.0', knex: '^3.1.0' } }));
  writeFileSync(path.join(folder, 'package-lock.json'), '{}');
  return folder;
}

interface Step {
  [key: string]: string | Record<string, string>;
}

/**
 * The job's steps, read from the YAML's shape: `- key: value` starts a step, deeper `key: value`
 * lines belong to it, and `with:` collects its nested keys. Enough for the workflow init writes.
 */
function stepsOf(text: string): Step[] {
  const lines = text.split('\n');
  const stepsAt = lines.findIndex((line) => /^ {4}steps:$/.test(line));
  const steps: Step[] = [];
  let nested: Record<string, string> | undefined;
  for (const line of lines.slice(stepsAt + 1)) {
    const item = /^ {6}- ([\w-]+): ?(.*)$/.exec(line);
    const key = /^ {8}([\w-]+): ?(.*)$/.exec(line);
    const withKey = /^ {10}([\w-]+): (.*)$/.exec(line);
    const value = (text: string) => text.replace(/ #.*$/, '');
    if (item) steps.push({ [item[1]]: value(item[2]) });
    else if (key && key[2] === '') steps[steps.length - 1][key[1]] = nested = {};
    else if (key) steps[steps.length - 1][key[1]] = value(key[2]);
    else if (withKey && nested) nested[withKey[1]] = value(withKey[2]);
    else if (/^ {10}\S/.test(line) && steps.length) steps[steps.length - 1].script = `${steps[steps.length - 1].script ?? ''}${line.trim()}\n`;
    else if (line.trim() !== '') throw new Error(`unexpected workflow line: ${line}`);
  }
  return steps;
}

describe('init --ci github', () => {
  it('writes the workflow: checkout with history, npm cache, SARIF upload, PR annotations, failure at the end', async () => {
    const cwd = project();
    const result = await init({ cwd, ci: 'github' });
    expect(result).toEqual({ changed: [workflowPath], messages: [] });
    const text = readFileSync(path.join(repo, workflowPath), 'utf8');
    expect(text).not.toMatch(/\t/);
    const lines = text.split('\n');
    const on = findBlock(lines, 'on')!;
    expect(lines.slice(on.start + 1, on.end)).toEqual(['  push:', '    branches: [main]', '  pull_request:']);
    const permissions = findBlock(lines, 'permissions')!;
    expect(lines.slice(permissions.start + 1, permissions.end)).toContain('  security-events: write');

    const steps = stepsOf(text);
    expect(steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': '0' } });
    expect(steps[1]).toMatchObject({ uses: 'actions/setup-node@v4', with: { cache: 'npm' } });
    expect(steps[2]).toEqual({ run: 'npm ci' });
    const lint = steps[3];
    expect(lint).toMatchObject({
      id: 'lint',
      'continue-on-error': 'true',
      run: 'npx rollsafe lint --all --format sarif --output-file rollsafe.sarif',
    });
    expect(steps[4]).toMatchObject({ uses: 'github/codeql-action/upload-sarif@v3', with: { sarif_file: 'rollsafe.sarif' } });
    expect(steps[5]).toMatchObject({
      if: "github.event_name == 'pull_request'",
      run: 'npx rollsafe lint --changed-since origin/${{ github.base_ref }} --format github',
    });
    const last = steps[steps.length - 1];
    expect(last.if).toBe("steps.lint.outcome == 'failure'");
    expect(last.script).toMatch(/exit 1\n$/);
  });

  it('is idempotent: a second run changes nothing and says nothing', async () => {
    const cwd = project();
    await init({ cwd, ci: 'github' });
    const before = readFileSync(path.join(repo, workflowPath), 'utf8');
    expect(await init({ cwd, ci: 'github' })).toEqual({ changed: [], messages: [] });
    expect(readFileSync(path.join(repo, workflowPath), 'utf8')).toBe(before);
  });

  it('keeps an existing workflow of the same name untouched and says so', async () => {
    const cwd = project();
    const mine = 'name: rollsafe\non: push\njobs: {}\n';
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(repo, workflowPath), mine);
    expect(await init({ cwd, ci: 'github' })).toEqual({ changed: [], messages: [`${workflowPath} already exists: left untouched.`] });
    expect(readFileSync(path.join(repo, workflowPath), 'utf8')).toBe(mine);
  });

  it('for a project in a subfolder, runs there and uploads its SARIF file', async () => {
    const cwd = project('services/api');
    const result = await init({ cwd, ci: 'github' });
    expect(result.changed).toEqual([path.join('..', '..', workflowPath)]);
    const text = readFileSync(path.join(repo, workflowPath), 'utf8');
    expect(text).toContain('    defaults:\n      run:\n        working-directory: services/api\n');
    const steps = stepsOf(text);
    expect(steps[1]).toMatchObject({ with: { 'cache-dependency-path': 'services/api/package-lock.json' } });
    expect(steps[4]).toMatchObject({ with: { sarif_file: 'services/api/rollsafe.sarif' } });
  });

  it('says what to add when rollsafe is not a dependency and there is no npm lockfile', async () => {
    writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'shop' }));
    const { messages } = await init({ cwd: repo, ci: 'github' });
    expect(messages.some((line) => line.startsWith('No package-lock.json'))).toBe(true);
    expect(messages.some((line) => line.includes('npm install -D rollsafe'))).toBe(true);
  });

  it('does not install a commit hook', async () => {
    const cwd = project();
    await init({ cwd, ci: 'github' });
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'));
    expect(pkg['lint-staged']).toBeUndefined();
  });
});
