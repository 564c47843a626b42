import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = new URL('..', import.meta.url).pathname;
const cliPath = join(repo, 'src', 'cli.ts');
// tsx by absolute URL, so the CLI can run with a temp project as its cwd.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function rollsafe(args: string[], cwd = repo) {
  const run = spawnSync(process.execPath, ['--import', tsx, cliPath, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, CI: '1' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A usage error: exit 2, nothing on stdout, exactly one `rollsafe: …` line on stderr, no stack. */
function expectOneLineError(run: ReturnType<typeof rollsafe>, message: string | RegExp) {
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

describe('rollsafe --help and --version', () => {
  it('--help lists the commands and lint options, exit 0', () => {
    const run = rollsafe(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: rollsafe <command>/);
    for (const text of ['lint [paths...]', 'init', 'explain <rule>', '--format <name>', '--max-warnings <n>', '--no-fallback']) {
      expect(run.stdout).toContain(text);
    }
  });

  it('--version prints the package version, exit 0', () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const run = rollsafe(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('usage errors: one line on stderr, exit 2, no stack', () => {
  it('an unknown flag, with the option it was likely meant to be', () => {
    expectOneLineError(rollsafe(['lint', '--fromat', 'json', 'x.ts']), 'unknown option --fromat (did you mean --format?)');
  });

  it('an unknown command', () => {
    expectOneLineError(rollsafe(['lnit']), /^rollsafe: unknown command "lnit" \(did you mean (lint|init)\?\)/);
  });

  it('lint with no paths, --all or --staged', () => {
    expectOneLineError(rollsafe(['lint']), 'lint needs migration paths, --all or --staged (see rollsafe --help)');
  });

  it('a migration path that does not exist', () => {
    expectOneLineError(rollsafe(['lint', 'migrations/20240101000000_missing.ts']), 'no such file: migrations/20240101000000_missing.ts');
  });

  it('--engine postgres without --database-url', () => {
    expectOneLineError(rollsafe(['lint', '--all', '--engine', 'postgres']), '--engine postgres needs --database-url');
  });

  it('a format that does not exist', () => {
    expectOneLineError(rollsafe(['lint', '--all', '--format', 'xml']), '--format must be one of stylish, json, sarif, github, junit, not "xml"');
  });

  it('a --max-warnings that is not a number', () => {
    expectOneLineError(rollsafe(['lint', '--all', '--max-warnings', 'ten']), '--max-warnings must be a whole number, not "ten"');
  });

  it('explain with an unknown rule', () => {
    expectOneLineError(rollsafe(['explain', 'no-such-rule-at-all']), /^rollsafe: unknown rule "no-such-rule-at-all"/);
  });

  it('a bad config file, naming the file, the key and the value', () => {
    const project = tempProject();
    writeFileSync(join(project, 'rollsafe.config.json'), JSON.stringify({ rules: { 'require-gaurd': 'error' } }));
    expectOneLineError(
      rollsafe(['lint', '--all'], project),
      'rollsafe.config.json: rules.require-gaurd: unknown rule (did you mean require-guard?)',
    );
  });

  it('--config naming a file that does not exist', () => {
    expectOneLineError(rollsafe(['lint', '--all', '--config', 'ci/rollsafe.json'], tempProject()), 'ci/rollsafe.json: no such config file');
  });

  it('deploy-time commands say they are not built yet', () => {
    for (const command of ['deploy', 'restore', 'verify-backup', 'drift']) {
      expectOneLineError(rollsafe([command]), new RegExp(`^rollsafe: ${command} is not built yet`));
    }
  });

  it('--debug adds the stack trace', () => {
    const run = rollsafe(['lint', '--all', '--debug', '--config', 'ci/rollsafe.json'], tempProject());
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('rollsafe: ci/rollsafe.json: no such config file');
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});

describe('rollsafe lint end to end', () => {
  it('a migration that does not parse: exit 1, a stylish row under its path, the summary', () => {
    const project = tempProject();
    writeFileSync(
      join(project, 'migrations', '20240301120000_create_orders.js'),
      "exports.up = async function (knex) {\n  await knex.schema.createTable('orders', (table) => {\n    table.increments('id');\n  };\n};\n",
    );
    const run = rollsafe(['lint', 'migrations/20240301120000_create_orders.js'], project);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('migrations/20240301120000_create_orders.js');
    expect(lines.some((line) => /^ {2}\d+:\d+ {2}error {2}\S.*$/.test(line))).toBe(true);
    expect(run.stdout).toMatch(/✖ \d+ problems? \(\d+ errors?, \d+ warnings?\)\n$/);
  });
});
