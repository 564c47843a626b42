import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = new URL('..', import.meta.url).pathname;
const cliPath = join(repo, 'src', 'cli.ts');
// tsx by absolute URL, so the CLI can run with a temp project as its cwd.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function rollsafe(args: string[], cwd = repo): Promise<Run> {
  const child = spawn(process.execPath, ['--import', tsx, cliPath, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, CI: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done, failed) => {
    child.on('error', failed);
    // A run that lasts (a loaded machine) says where it is: not what these tests are about.
    child.on('close', (code) => done({ code, stdout, stderr: withoutProgress(stderr) }));
  });
}

function withoutProgress(stderr: string): string {
  return stderr.replace(/^rollsafe: (\[\d+\/\d+\] .*|\d+ of \d+ checked .*)\n/gm, '');
}

/** A usage error: exit 2, nothing on stdout, exactly one `rollsafe: …` line on stderr, no stack. */
async function expectOneLineError(pending: Promise<Run>, message: string | RegExp) {
  const run = await pending;
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^rollsafe: /);
  if (typeof message === 'string') expect(lines[0]).toBe(`rollsafe: ${message}`);
  else expect(lines[0]).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

function tempProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-cli-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true }));
  writeFileSync(join(dir, 'knexfile.js'), "module.exports = { client: 'pg', migrations: { directory: './migrations' } };\n");
  mkdirSync(join(dir, 'migrations'));
  return dir;
}

describe.concurrent('rollsafe --help and --version', () => {
  it('--help lists the commands and lint options, exit 0', async () => {
    const run = await rollsafe(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: rollsafe <command>/);
    for (const text of ['lint [paths...]', 'sets  ', 'init', 'explain <rule>', '--format <name>', '--max-warnings <n>', '--no-fallback']) {
      expect(run.stdout).toContain(text);
    }
  });

  it('--version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const run = await rollsafe(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe.concurrent('usage errors: one line on stderr, exit 2, no stack', () => {
  it('an unknown flag, with the option it was likely meant to be', async () => {
    await expectOneLineError(rollsafe(['lint', '--fromat', 'json', 'x.ts']), 'unknown option --fromat (did you mean --format?)');
  });

  it('an unknown command', async () => {
    await expectOneLineError(rollsafe(['lnit']), /^rollsafe: unknown command "lnit" \(did you mean (lint|init)\?\)/);
  });

  it('lint with no paths, --all or --staged', async () => {
    await expectOneLineError(rollsafe(['lint']), 'lint needs migration paths, --all, --staged or --changed-since (see rollsafe --help)');
  });

  it('a migration path that does not exist', async () => {
    await expectOneLineError(rollsafe(['lint', 'migrations/20240101000000_missing.ts']), 'no such file: migrations/20240101000000_missing.ts');
  });

  it('--engine postgres without --database-url', async () => {
    await expectOneLineError(rollsafe(['lint', '--all', '--engine', 'postgres']), '--engine postgres needs --database-url');
  });

  it('a format that does not exist', async () => {
    await expectOneLineError(rollsafe(['lint', '--all', '--format', 'xml']), '--format must be one of stylish, json, sarif, github, junit, not "xml"');
  });

  it('a --max-warnings that is not a number', async () => {
    await expectOneLineError(rollsafe(['lint', '--all', '--max-warnings', 'ten']), '--max-warnings must be a whole number, not "ten"');
  });

  it('explain with an unknown rule', async () => {
    await expectOneLineError(rollsafe(['explain', 'no-such-rule-at-all']), /^rollsafe: unknown rule "no-such-rule-at-all"/);
  });

  it('a bad config file, naming the file, the key and the value', async () => {
    const project = tempProject();
    writeFileSync(join(project, 'rollsafe.config.json'), JSON.stringify({ rules: { 'require-gaurd': 'error' } }));
    await expectOneLineError(
      rollsafe(['lint', '--all'], project),
      'rollsafe.config.json: rules.require-gaurd: unknown rule (did you mean require-guard?)',
    );
  });

  it('--config naming a file that does not exist', async () => {
    await expectOneLineError(rollsafe(['lint', '--all', '--config', 'ci/rollsafe.json'], tempProject()), 'ci/rollsafe.json: no such config file');
  });

  it('deploy-time commands without their arguments say what they need, in one line', async () => {
    await Promise.all(
      ['deploy', 'restore', 'verify-backup', 'drift'].map((command) =>
        expectOneLineError(rollsafe([command]), new RegExp(`^rollsafe: ${command} needs `)),
      ),
    );
  });

  it("a framework that does not load from the project (not built, not installed) is the project's setup: one line with the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-cli-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true, dependencies: { 'node-pg-migrate': '^7' } }));
    // An installed package whose entry was never built, as in a checkout of the framework's own repository.
    mkdirSync(join(dir, 'node_modules', 'node-pg-migrate'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'node-pg-migrate', 'package.json'), JSON.stringify({ name: 'node-pg-migrate', version: '7.9.1', main: 'dist/index.js' }));
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', '1700000000000_users.js'), "exports.up = (pgm) => { pgm.createTable('users', { id: 'id' }, { ifNotExists: true }); };\nexports.down = (pgm) => { pgm.dropTable('users', { ifExists: true }); };\n");
    await expectOneLineError(rollsafe(['lint', '--all'], dir), /^rollsafe: cannot load node-pg-migrate for the migrations in .*migrations: Cannot find module .*dist\/index\.js.*; install the project's dependencies/);
  });

  it('--debug adds the stack trace', async () => {
    const run = await rollsafe(['lint', '--all', '--debug', '--config', 'ci/rollsafe.json'], tempProject());
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('rollsafe: ci/rollsafe.json: no such config file');
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});

describe.concurrent('rollsafe lint end to end', () => {
  it('a migration that does not parse: exit 1, a stylish row under its path, the summary', async () => {
    const project = tempProject();
    writeFileSync(
      join(project, 'migrations', '20240301120000_create_orders.js'),
      "exports.up = async function (knex) {\n  await knex.schema.createTable('orders', (table) => {\n    table.increments('id');\n  };\n};\n",
    );
    const run = await rollsafe(['lint', 'migrations/20240301120000_create_orders.js'], project);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('migrations/20240301120000_create_orders.js');
    expect(lines.some((line) => /^ {2}\d+:\d+ {2}error {2}\S.*$/.test(line))).toBe(true);
    expect(run.stdout).toMatch(/✖ \d+ problems? \(\d+ errors?, \d+ warnings?\)\n$/);
  });

  it('an unguarded knex migration: exit 1, stylish rows with rule ids, help lines, summary', async () => {
    const project = tempProject();
    // The project's own knex, as a real project has it installed.
    symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
    writeFileSync(
      join(project, 'migrations', '20240301120000_create_orders.js'),
      [
        'exports.up = async function (knex) {',
        "  await knex.schema.createTable('orders', (table) => {",
        "    table.increments('id');",
        "    table.integer('total_cents').notNullable();",
        '  });',
        '};',
        '',
        'exports.down = async function (knex) {',
        "  await knex.schema.dropTableIfExists('orders');",
        '};',
        '',
      ].join('\n'),
    );
    const run = await rollsafe(['lint', 'migrations/20240301120000_create_orders.js'], project);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const header = lines.indexOf('migrations/20240301120000_create_orders.js');
    expect(header).toBeGreaterThan(-1);
    const guardRow = lines.find((line) => line.endsWith('  require-guard'));
    expect(guardRow).toMatch(/^ {2,3}2:9 {2}error {2}knex\.schema\.createTable orders has no guard.* {2}require-guard$/);
    expect(lines[lines.indexOf(guardRow!) + 1]).toMatch(/^ +→ Guard it: /);
    expect(run.stdout).toMatch(/\n✖ \d+ problems? \(\d+ errors?, 0 warnings\)\n$/);
  });

  // An unguarded CREATE TABLE with require-guard set to warn (and the re-run failure off): one warning.
  function projectWithWarning() {
    const project = tempProject();
    mkdirSync(join(project, 'sql'));
    writeFileSync(join(project, 'sql', '1_plans.up.sql'), 'CREATE TABLE plans (id int);\n');
    writeFileSync(join(project, 'sql', '1_plans.down.sql'), 'DROP TABLE IF EXISTS plans;\n');
    writeFileSync(join(project, 'rollsafe.config.json'), JSON.stringify({ rules: { 'require-guard': 'warn', 'idempotent-up': 'off' } }));
    return project;
  }
  const warned = 'sql/1_plans.up.sql';

  // Each run checks a migration on pg-mem: slower than the usage errors above on a busy machine.
  it('warnings alone exit 0; more than --max-warnings exit 1 with a line on stderr', { timeout: 180_000 }, async () => {
    const [plain, strict, loose] = await Promise.all([
      rollsafe(['lint', warned], projectWithWarning()),
      rollsafe(['lint', warned, '--max-warnings', '0'], projectWithWarning()),
      rollsafe(['lint', warned, '--max-warnings', '1'], projectWithWarning()),
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('✖ 1 problem (0 errors, 1 warning)');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toBe('rollsafe: too many warnings (1, --max-warnings 0)\n');
    expect(loose.code).toBe(0);
  });

  it('--quiet drops warnings from the report', { timeout: 180_000 }, async () => {
    const [run, stylish] = await Promise.all([
      rollsafe(['lint', warned, '--quiet', '--format', 'json'], projectWithWarning()),
      rollsafe(['lint', warned, '--quiet'], projectWithWarning()),
    ]);
    expect(run.code).toBe(0);
    const [result] = JSON.parse(run.stdout) as { messages: unknown[]; warningCount: number }[];
    expect(result.messages).toEqual([]);
    expect(result.warningCount).toBe(0);
    expect(stylish.stdout).toBe('');
  });

  it('--output-file writes the report there instead of stdout', { timeout: 180_000 }, async () => {
    const project = projectWithWarning();
    const run = await rollsafe(['lint', warned, '--format', 'sarif', '--output-file', 'rollsafe.sarif'], project);
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const log = JSON.parse(readFileSync(join(project, 'rollsafe.sarif'), 'utf8'));
    expect(log.runs[0].results[0]).toMatchObject({ ruleId: expect.stringContaining('require-guard'), level: 'warning' });
  });

  it('a file no set claims and no framework recognises is a usage error naming --framework and "sets"', async () => {
    const project = tempProject();
    writeFileSync(join(project, 'NOTES.md'), '# release notes\n');
    await expectOneLineError(rollsafe(['lint', 'NOTES.md'], project), /^rollsafe: NOTES\.md: in no migration set, and no framework recognises it: pass --framework <name> \(knex, .*diesel\), or declare it in rollsafe\.config\.json: \{"sets": /);
  });

  it('lint --all that finds no migration is a usage error saying where rollsafe looked and how to declare a set', async () => {
    const project = mkdtempSync(join(tmpdir(), 'rollsafe-cli-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty', private: true }));
    writeFileSync(join(project, 'knexfile.js'), "module.exports = { client: 'pg', migrations: { directory: './db/migrations' } };\n");
    await expectOneLineError(
      rollsafe(['lint', '--all'], project),
      /^rollsafe: no migration set found under .*: rollsafe read knexfiles, .* and looked for migration files in every folder .*; knexfile\.js \(migrations\.directory\) names db\/migrations, which does not exist; declare a set in rollsafe\.config\.json: \{"sets": \[\{"dir": "db\/migrations", "framework": "knex"\}\]\}/,
    );
  });

  it('a configured set that matches no file is a usage error, also with --all', async () => {
    const project = tempProject();
    writeFileSync(join(project, 'rollsafe.config.json'), JSON.stringify({ sets: [{ dir: 'migrations', framework: 'golang-migrate' }] }));
    writeFileSync(join(project, 'migrations', '20240101_a.js'), "exports.up = (knex) => knex.schema.createTable('a', () => {});\n");
    await expectOneLineError(
      rollsafe(['lint', '--all'], project),
      'rollsafe config (sets[0]) ("migrations", golang-migrate) matches no migration file: check its "dir" and "framework" (`rollsafe sets` shows what rollsafe finds there)',
    );
  });
});

describe.concurrent('rollsafe lint --changed-since: the pull-request case', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: gitEnv });
  const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };

  /** main has an unguarded migration; the branch adds a guarded one that needs main's table, and a README. */
  function pullRequest(): string {
    const project = tempProject();
    symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
    writeFileSync(join(project, '.gitignore'), 'node_modules\n');
    writeFileSync(
      join(project, 'migrations', '20240301120000_create_orders.js'),
      "exports.up = (knex) => knex.schema.createTable('orders', (t) => { t.increments('id'); });\nexports.down = (knex) => knex.schema.dropTable('orders');\n",
    );
    git(project, 'init', '-q', '-b', 'main');
    git(project, 'add', '.');
    git(project, 'commit', '-q', '-m', 'orders');
    git(project, 'checkout', '-q', '-b', 'add-note');
    writeFileSync(
      join(project, 'migrations', '20240302120000_add_order_note.js'),
      [
        'exports.up = async (knex) => {',
        "  if (!(await knex.schema.hasColumn('orders', 'note'))) await knex.schema.alterTable('orders', (t) => { t.text('note'); });",
        '};',
        'exports.down = async (knex) => {',
        "  if (await knex.schema.hasColumn('orders', 'note')) await knex.schema.alterTable('orders', (t) => { t.dropColumn('note'); });",
        '};',
        '',
      ].join('\n'),
    );
    writeFileSync(join(project, 'README.md'), '# shop\n');
    git(project, 'add', '.');
    git(project, 'commit', '-q', '-m', 'order note');
    return project;
  }

  it('reports only the changed migrations, replaying the earlier ones, and ignores other changed files', async () => {
    const project = pullRequest();
    const run = await rollsafe(['lint', '--changed-since', 'main', '--format', 'json'], project);
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as { filePath: string; messages: unknown[] }[];
    // the unguarded create_orders on main is not reported; add_order_note runs on top of it cleanly
    expect(results.map((result) => result.filePath)).toEqual([join(project, 'migrations', '20240302120000_add_order_note.js')]);
    expect(results[0].messages).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('reports nothing when no migration changed', async () => {
    const project = pullRequest();
    const run = await rollsafe(['lint', '--changed-since', 'HEAD', '--format', 'json'], project);
    expect(run).toEqual({ code: 0, stdout: '[]', stderr: '' });
  });

  it('a ref git does not know is a usage error', async () => {
    await expectOneLineError(rollsafe(['lint', '--changed-since', 'origin/mian'], pullRequest()), '--changed-since: git does not know "origin/mian"');
  });

  it('outside a git repository is a usage error', async () => {
    await expectOneLineError(rollsafe(['lint', '--changed-since', 'main'], tempProject()), '--changed-since needs a git repository');
  });
});

describe.concurrent('more usage errors, as a new user meets them', () => {
  it('an option given without its value', async () => {
    await expectOneLineError(rollsafe(['lint', '--changed-since']), '--changed-since needs a value');
  });

  it('a negative --max-warnings after a space', async () => {
    await expectOneLineError(rollsafe(['lint', '--all', '--max-warnings', '-1']), /^rollsafe: --max-warnings needs a value; write --max-warnings=<value>/);
  });

  it('explain with a misspelt rule names the rule it was likely meant to be', async () => {
    await expectOneLineError(rollsafe(['explain', 'require-gaurd']), 'unknown rule "require-gaurd" (did you mean require-guard?)');
  });

  it('init with an unknown CI provider', async () => {
    await expectOneLineError(rollsafe(['init', '--ci', 'gitlab'], tempProject()), '--ci must be one of github, not "gitlab"');
  });

  it('a rollsafe.config.ts with a bad value, named like the JSON one', async () => {
    const project = tempProject();
    writeFileSync(join(project, 'rollsafe.config.ts'), "export default { engine: 'sqlite' as string };\n");
    await expectOneLineError(rollsafe(['lint', '--all'], project), 'rollsafe.config.ts: engine: "sqlite" is not one of "pg-mem", "pglite", "postgres"');
  });

  it('a config file that throws on load: one line naming the file and the error', async () => {
    const project = tempProject();
    writeFileSync(join(project, 'rollsafe.config.mjs'), "if (!process.env.ROLLSAFE_NOT_SET) throw new Error('ROLLSAFE_NOT_SET is required');\nexport default {};\n");
    await expectOneLineError(rollsafe(['lint', '--all'], project), 'rollsafe.config.mjs: failed to load: ROLLSAFE_NOT_SET is required');
  });
});

describe('rollsafe lint: a long run says where it is, and --output-file survives an interrupted run', () => {
  /** A knex project: an unguarded create (a require-guard error), then `second`. */
  function longProject(second: string): string {
    const project = tempProject();
    symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
    writeFileSync(join(project, 'rollsafe.config.json'), JSON.stringify({ timeouts: { migrationMs: 120_000 } }));
    writeFileSync(
      join(project, 'migrations', '20240301120000_create_orders.js'),
      "exports.up = (knex) => knex.schema.createTable('orders', (t) => { t.increments('id'); });\nexports.down = (knex) => knex.schema.dropTableIfExists('orders');\n",
    );
    writeFileSync(join(project, 'migrations', '20240302120000_second.js'), second);
    return project;
  }

  it('off a terminal (CI), progress lines go to stderr while the run lasts', async () => {
    const project = longProject("exports.up = async (knex) => { await knex.raw('select 1'); };\nexports.down = async () => {};\n");
    const child = spawn(process.execPath, ['--import', tsx, cliPath, 'lint', '--all', '--format', 'json'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', CI: '1', ROLLSAFE_PROGRESS_MS: '20' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    const code = await new Promise((done) => child.on('close', done));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^rollsafe: \[\d\/2\] migrations · 2024030\d120000_\w+\.js/m);
    expect(stderr).toMatch(/^rollsafe: 2 of 2 checked/m);
  }, 120_000);

  it('Ctrl-C (SIGINT) mid-run leaves the report of the migrations already checked in --output-file', async () => {
    const project = longProject('exports.up = () => new Promise(() => {});\nexports.down = async () => {};\n');
    const outputFile = join(project, 'report.json');
    const child = spawn(process.execPath, ['--import', tsx, cliPath, 'lint', '--all', '--format', 'json', '--output-file', 'report.json'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
    });
    child.stdout.resume();
    child.stderr.resume();
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
    // The first migration's report arrives while the second hangs.
    const deadline = Date.now() + 90_000;
    while (!existsSync(outputFile) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGINT');
    const { code } = await closed;
    expect(code).toBe(130);
    const results = JSON.parse(readFileSync(outputFile, 'utf8')) as { filePath: string; messages: { ruleId: string }[] }[];
    expect(results.map((result) => result.filePath)).toEqual([join(project, 'migrations', '20240301120000_create_orders.js')]);
    expect(results[0].messages.map((message) => message.ruleId)).toContain('require-guard');
  }, 120_000);
});

describe.concurrent('setup problems: one line with the fix, exit 2, never an internal error', () => {
  function alembicProject(): string {
    const project = mkdtempSync(join(tmpdir(), 'rollsafe-cli-alembic-'));
    cpSync(join(repo, 'test', 'fixtures', 'alembic', 'clean'), project, { recursive: true });
    return project;
  }

  function rollsafeWith(env: Record<string, string>, args: string[], cwd: string): Promise<Run> {
    const child = spawn(process.execPath, ['--import', tsx, cliPath, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
  }

  it('a Python without Alembic', async () => {
    const project = alembicProject();
    // A python whose import of alembic fails, as a fresh virtualenv's does.
    const python = join(project, 'python-without-alembic');
    writeFileSync(python, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'alembic'\" >&2\nexit 1\n", { mode: 0o755 });
    await expectOneLineError(
      rollsafeWith({ ROLLSAFE_PYTHON: python }, ['lint', '--all'], project),
      `${python} (ROLLSAFE_PYTHON) has no alembic: pip install alembic sqlalchemy in the project's environment, or set ROLLSAFE_PYTHON to the python that has them`,
    );
  });

  it('no Python at all', async () => {
    const project = alembicProject();
    const python = join(project, 'no-such-python');
    await expectOneLineError(
      rollsafeWith({ ROLLSAFE_PYTHON: python }, ['lint', '--all'], project),
      `cannot run ${python} (ROLLSAFE_PYTHON) for the Alembic migrations: install Python 3, or set ROLLSAFE_PYTHON to the project's python`,
    );
  });
});
