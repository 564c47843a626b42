import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rollsafePackage } from '../config/rollsafe-package.js';
import { init } from './index.js';

let repo: string;

beforeAll(() => {
  // A developer's global core.hooksPath must not change what these tests see.
  const home = mkdtempSync(path.join(os.tmpdir(), 'rollsafe-init-home-'));
  writeFileSync(path.join(home, '.gitconfig'), '');
  process.env.GIT_CONFIG_GLOBAL = path.join(home, '.gitconfig');
  process.env.GIT_CONFIG_NOSYSTEM = '1';
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function write(relative: string, content: string): void {
  const file = path.join(repo, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

const read = (relative: string): string => readFileSync(path.join(repo, relative), 'utf8');
const manifest = (relative = 'package.json'): Record<string, any> => JSON.parse(read(relative));

const knexMigration = `exports.up = async (knex) => {
  if (!(await knex.schema.hasTable('customers'))) await knex.schema.createTable('customers', (t) => { t.increments('id'); });
};
exports.down = (knex) => knex.schema.dropTableIfExists('customers');
`;

/** A knex project (package.json + migrations/) at `dir` inside the repo. */
function knexProject(dir = '', pkg: Record<string, unknown> = {}): string {
  const base = dir === '' ? '' : `${dir}/`;
  write(`${base}package.json`, JSON.stringify({ name: 'shop-api', private: true, dependencies: { knex: '^3.3.0' }, ...pkg }, null, 2) + '\n');
  write(`${base}migrations/20240110120000_create_customers.js`, knexMigration);
  return path.join(repo, dir);
}

beforeEach(() => {
  repo = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'rollsafe-init-')));
  git(repo, 'init', '-q', '-b', 'main');
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('init with husky (the default)', () => {
  it('adds the dev dependencies, the prepare script and a hook that runs rollsafe itself', async () => {
    knexProject();
    const result = await init({ cwd: repo });
    const pkg = manifest();
    expect(pkg['lint-staged']).toBeUndefined();
    expect(Object.keys(pkg.devDependencies)).toEqual(['husky', 'rollsafe']);
    expect(pkg.devDependencies.rollsafe).toBe(`^${rollsafePackage().version}`);
    expect(pkg.scripts).toEqual({ prepare: 'husky' });
    // --staged, not file names: deleted and renamed migrations are seen; no npx, no lint-staged
    expect(read('.husky/pre-commit')).toBe('rollsafe lint --staged\n');
    expect(result.changed).toEqual(['package.json', path.join('.husky', 'pre-commit')]);
    // husky is not installed in this project: npm install (prepare) will point git at .husky
    expect(result.messages.join('\n')).toMatch(/npm install/);
  });

  it('changes nothing the second time', async () => {
    knexProject();
    await init({ cwd: repo });
    const before = read('package.json') + read('.husky/pre-commit');
    const again = await init({ cwd: repo });
    expect(again.changed).toEqual([]);
    expect(read('package.json') + read('.husky/pre-commit')).toBe(before);
  });

  it('keeps an existing prepare script, dependencies, tab indentation and hook lines', async () => {
    knexProject('', { scripts: { prepare: 'npm run build' }, devDependencies: { 'lint-staged': '^15.0.0' } });
    write('package.json', read('package.json').replace(/ {2}/g, '\t'));
    write('.husky/pre-commit', 'npm test');
    await init({ cwd: repo });
    const pkg = manifest();
    expect(pkg.scripts.prepare).toBe('npm run build && husky');
    expect(pkg.devDependencies['lint-staged']).toBe('^15.0.0');
    expect(read('package.json')).toMatch(/^\t"name"/m);
    expect(read('.husky/pre-commit')).toBe('npm test\nrollsafe lint --staged\n');
  });

  it('leaves the project\'s lint-staged config as it is', async () => {
    knexProject('', { 'lint-staged': { '*.{json,md}': 'prettier --check' } });
    write('.lintstagedrc.yaml', '# formatting\n"*.ts": eslint --fix\n');
    const before = read('.lintstagedrc.yaml');
    await init({ cwd: repo });
    expect(manifest()['lint-staged']).toEqual({ '*.{json,md}': 'prettier --check' });
    expect(read('.lintstagedrc.yaml')).toBe(before);
  });

  it('does not add a second run to a project whose lint-staged already runs rollsafe, and says how to move', async () => {
    knexProject('', { 'lint-staged': { 'migrations/*.{js,ts,cjs,mjs}': 'rollsafe lint' } });
    write('.husky/pre-commit', 'npx lint-staged\n');
    const result = await init({ cwd: repo });
    expect(read('.husky/pre-commit')).toBe('npx lint-staged\n');
    expect(result.messages).toContain(
      'package.json: lint-staged runs rollsafe, which misses deleted and renamed migrations and costs a second Node start; replace that task with the line `rollsafe lint --staged` in .husky/pre-commit.',
    );
  });

  it('sets up a project in a subfolder the way husky documents for monorepos', async () => {
    const api = knexProject('services/api');
    await init({ cwd: api });
    expect(manifest('services/api/package.json').scripts.prepare).toBe('cd ../.. && husky services/api/.husky');
    expect(read('services/api/.husky/pre-commit')).toBe('(cd "services/api" && rollsafe lint --staged)\n');
  });
});

describe('init --hook plain', () => {
  it('copies rollsafe\'s hook into .githooks and points core.hooksPath at it, once', async () => {
    knexProject();
    const result = await init({ cwd: repo, hook: 'plain' });
    const hook = path.join(repo, '.githooks', 'pre-commit');
    expect(readFileSync(hook, 'utf8')).toBe(readFileSync(path.join(rollsafePackage().root, 'hooks', 'pre-commit'), 'utf8'));
    expect(statSync(hook).mode & 0o111).not.toBe(0);
    expect(git(repo, 'config', 'core.hooksPath')).toBe('.githooks');
    expect(result.changed).toEqual([path.join('.githooks', 'pre-commit'), 'git config core.hooksPath .githooks']);
    expect((await init({ cwd: repo, hook: 'plain' })).changed).toEqual([]);
  });

  it('does not take over a core.hooksPath that is already set, and says where to add the line', async () => {
    knexProject();
    git(repo, 'config', 'core.hooksPath', 'tools/hooks');
    const result = await init({ cwd: repo, hook: 'plain' });
    expect(git(repo, 'config', 'core.hooksPath')).toBe('tools/hooks');
    expect(result.messages).toContain(
      'core.hooksPath is already tools/hooks: add the line `.githooks/pre-commit "$@" || exit $?` to tools/hooks/pre-commit.',
    );
  });
});

describe('init --hook lefthook', () => {
  it('creates lefthook.yml with a rollsafe pre-commit command', async () => {
    knexProject();
    await init({ cwd: repo, hook: 'lefthook' });
    expect(read('lefthook.yml')).toBe('pre-commit:\n  commands:\n    rollsafe:\n      run: node_modules/.bin/rollsafe lint --staged\n');
  });

  it('merges into existing commands, keeping every other line, and only once', async () => {
    knexProject();
    const existing = [
      '# shared hooks',
      'pre-push:',
      '    commands:',
      '        test:',
      '            run: npm test',
      'pre-commit:',
      '    parallel: true',
      '    commands:',
      '        eslint:',
      '            glob: "*.{js,ts}"',
      '            run: npx eslint {staged_files}',
      '',
      'output:',
      '    - summary',
      '',
    ].join('\n');
    write('lefthook.yml', existing);
    await init({ cwd: repo, hook: 'lefthook' });
    const lines = existing.split('\n');
    const expected = [
      ...lines.slice(0, 11),
      '        rollsafe:',
      '            run: node_modules/.bin/rollsafe lint --staged',
      ...lines.slice(11),
    ].join('\n');
    expect(read('lefthook.yml')).toBe(expected);
    expect((await init({ cwd: repo, hook: 'lefthook' })).changed).toEqual([]);
  });

  it('prints what to add when the config uses jobs or flow style', async () => {
    knexProject();
    const jobs = 'pre-commit:\n  jobs:\n    - run: npx eslint {staged_files}\n';
    write('lefthook.yml', jobs);
    const result = await init({ cwd: repo, hook: 'lefthook' });
    expect(read('lefthook.yml')).toBe(jobs);
    expect(result.messages[0]).toMatch(/^lefthook\.yml: rollsafe cannot edit this file safely; add this under pre-commit commands:\n/);
    expect(result.messages[0]).toContain('run: node_modules/.bin/rollsafe lint --staged');

    const flow = 'pre-commit: { commands: { eslint: { run: npx eslint } } }\n';
    write('lefthook.yml', flow);
    const again = await init({ cwd: repo, hook: 'lefthook' });
    expect(read('lefthook.yml')).toBe(flow);
    expect(again.changed).toEqual([]);
    expect(again.messages[0]).toMatch(/^lefthook\.yml: rollsafe cannot edit this file safely/);
  });
});

describe('init --hook pre-commit', () => {
  it('creates .pre-commit-config.yaml with a local rollsafe hook that runs on every commit', async () => {
    knexProject();
    await init({ cwd: repo, hook: 'pre-commit' });
    expect(read('.pre-commit-config.yaml')).toBe(
      [
        'repos:',
        '  - repo: local',
        '    hooks:',
        '      - id: rollsafe',
        '        name: rollsafe (migrations re-runnable and reversible)',
        '        entry: node_modules/.bin/rollsafe lint --staged',
        '        language: system',
        '        always_run: true',
        '        pass_filenames: false',
        '',
      ].join('\n'),
    );
  });

  it('appends to the repos list, before the keys that follow it, and only once', async () => {
    knexProject();
    const existing = [
      'default_stages: [pre-commit]',
      'repos:',
      '- repo: https://github.com/pre-commit/pre-commit-hooks',
      '  rev: v4.6.0',
      '  hooks:',
      '  - id: trailing-whitespace',
      '',
      'ci:',
      '  autofix_prs: false',
      '',
    ].join('\n');
    write('.pre-commit-config.yaml', existing.replace('default_stages: [pre-commit]', 'default_stages:\n- pre-commit'));
    await init({ cwd: repo, hook: 'pre-commit' });
    const text = read('.pre-commit-config.yaml');
    expect(text).toContain("  - id: trailing-whitespace\n- repo: local\n  hooks:\n    - id: rollsafe\n");
    expect(text.endsWith("    pass_filenames: false\n\nci:\n  autofix_prs: false\n")).toBe(true);
    expect((await init({ cwd: repo, hook: 'pre-commit' })).changed).toEqual([]);
  });
});

it('says so outside a git repository', async () => {
  const outside = mkdtempSync(path.join(os.tmpdir(), 'rollsafe-init-nogit-'));
  try {
    expect(await init({ cwd: outside })).toEqual({ changed: [], messages: ['Not inside a git repository: run `git init` first.'] });
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});
