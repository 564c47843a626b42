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

describe('init with husky + lint-staged (the default)', () => {
  it('adds the lint-staged task, the dev dependencies, the prepare script and the hook', async () => {
    knexProject();
    const result = await init({ cwd: repo });
    const pkg = manifest();
    expect(pkg['lint-staged']).toEqual({ 'migrations/*.{js,ts,cjs,mjs}': 'rollsafe lint' });
    expect(Object.keys(pkg.devDependencies)).toEqual(['husky', 'lint-staged', 'rollsafe']);
    expect(pkg.devDependencies.rollsafe).toBe(`^${rollsafePackage().version}`);
    expect(pkg.scripts).toEqual({ prepare: 'husky' });
    expect(read('.husky/pre-commit')).toBe('npx lint-staged\n');
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
    expect(read('.husky/pre-commit')).toBe('npm test\nnpx lint-staged\n');
  });

  it('leaves a JavaScript lint-staged config alone and says what to add', async () => {
    knexProject();
    const config = "export default { '*.ts': 'eslint --fix' };\n";
    write('lint-staged.config.mjs', config);
    const result = await init({ cwd: repo });
    expect(read('lint-staged.config.mjs')).toBe(config);
    expect(manifest()['lint-staged']).toBeUndefined();
    expect(result.messages).toContain(
      'lint-staged.config.mjs: rollsafe cannot edit this file; add "migrations/*.{js,ts,cjs,mjs}": "rollsafe lint" to its tasks.',
    );
  });

  it('appends to a YAML .lintstagedrc and keeps its tasks', async () => {
    knexProject();
    write('.lintstagedrc.yaml', '# formatting\n"*.{json,md}": prettier --write\n');
    await init({ cwd: repo });
    expect(read('.lintstagedrc.yaml')).toBe('# formatting\n"*.{json,md}": prettier --write\n"migrations/*.{js,ts,cjs,mjs}": rollsafe lint\n');
    expect((await init({ cwd: repo })).changed).toEqual([]);
  });

  it('adds to an existing task for the same glob rather than replacing it', async () => {
    knexProject('', { 'lint-staged': { 'migrations/*.{js,ts,cjs,mjs}': 'eslint --fix' } });
    await init({ cwd: repo });
    expect(manifest()['lint-staged']).toEqual({ 'migrations/*.{js,ts,cjs,mjs}': ['eslint --fix', 'rollsafe lint'] });
  });

  it('maps each migration set to its own glob, SQL sets included', async () => {
    knexProject();
    write('db/migrations/20240301000000_add_index.up.sql', 'CREATE INDEX IF NOT EXISTS orders_customer_idx ON orders (customer_id);\n');
    write('db/migrations/20240301000000_add_index.down.sql', 'DROP INDEX IF EXISTS orders_customer_idx;\n');
    await init({ cwd: repo });
    expect(manifest()['lint-staged']).toEqual({
      'migrations/*.{js,ts,cjs,mjs}': 'rollsafe lint',
      'db/migrations/*.sql': 'rollsafe lint',
    });
  });

  it('sets up a project in a subfolder the way husky documents for monorepos', async () => {
    const api = knexProject('services/api');
    await init({ cwd: api });
    expect(manifest('services/api/package.json').scripts.prepare).toBe('cd ../.. && husky services/api/.husky');
    expect(read('services/api/.husky/pre-commit')).toBe('cd "services/api" && npx lint-staged\n');
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
    expect(read('lefthook.yml')).toBe('pre-commit:\n  commands:\n    rollsafe:\n      run: npx --no-install rollsafe lint --staged\n');
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
      '            run: npx --no-install rollsafe lint --staged',
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
    expect(result.messages[0]).toContain('run: npx --no-install rollsafe lint --staged');

    const flow = 'pre-commit: { commands: { eslint: { run: npx eslint } } }\n';
    write('lefthook.yml', flow);
    const again = await init({ cwd: repo, hook: 'lefthook' });
    expect(read('lefthook.yml')).toBe(flow);
    expect(again.changed).toEqual([]);
    expect(again.messages[0]).toMatch(/^lefthook\.yml: rollsafe cannot edit this file safely/);
  });
});

describe('init --hook pre-commit', () => {
  it('creates .pre-commit-config.yaml with a local rollsafe hook for the project\'s migrations', async () => {
    knexProject();
    await init({ cwd: repo, hook: 'pre-commit' });
    expect(read('.pre-commit-config.yaml')).toBe(
      [
        'repos:',
        '  - repo: local',
        '    hooks:',
        '      - id: rollsafe',
        '        name: rollsafe (migrations re-runnable and reversible)',
        '        entry: npx --no-install rollsafe lint',
        '        language: system',
        "        files: '^migrations/[^/]+\\.(js|ts|cjs|mjs)$'",
        '        pass_filenames: true',
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
    expect(text.endsWith("    pass_filenames: true\n\nci:\n  autofix_prs: false\n")).toBe(true);
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
