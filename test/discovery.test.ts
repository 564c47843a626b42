// Discovery from the frameworks' own configuration: each fixture under test/fixtures/discovery/ is a
// small repository with no rollsafe config whose migrations live where its framework's config says.
// `lint --all` must find and check every one of its migrations, and `rollsafe sets` must say why.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverRepository } from '../src/discover/index.js';
import { describeSets, lint } from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'discovery');

interface Expected {
  /** Each set: its folders, framework and what found it, relative to the fixture. */
  sets: { dirs: string[]; framework: string; foundBy: string }[];
  /** Every migration, in the order its framework applies them, set by set. */
  migrations: string[][];
}

const cases: Record<string, Expected> = {
  'typeorm-datasource': {
    sets: [{ dirs: ['src/database/migrations/postgres', 'src/modules/billing/migrations'], framework: 'typeorm', foundBy: 'src/data-source.ts (migrations)' }],
    // One history across both globs, by timestamp: the billing table exists before the core migration that alters it.
    migrations: [
      [
        'src/database/migrations/postgres/1710000000000-CreateProjects.ts',
        'src/modules/billing/migrations/1710000100000-CreateInvoices.ts',
        'src/database/migrations/postgres/1710000200000-AddInvoicesPaidAt.ts',
      ],
    ],
  },
  'knexfile-in-package': {
    sets: [{ dirs: ['packages/database/lib/schema'], framework: 'knex', foundBy: 'packages/database/lib/knexfile.js (migrations.directory)' }],
    migrations: [['packages/database/lib/schema/20240105090000_create_customers.js', 'packages/database/lib/schema/20240106100000_add_customers_name.js']],
  },
  'kysely-provider': {
    sets: [{ dirs: ['src/db/schema-changes'], framework: 'kysely', foundBy: 'src/db/migrate.ts (FileMigrationProvider migrationFolder)' }],
    migrations: [['src/db/schema-changes/2024-03-01T09-00_create_notes.ts', 'src/db/schema-changes/2024-03-02T10-30_index_notes_created_at.ts']],
  },
  'alembic-sections': {
    sets: [
      { dirs: ['app/accounts/migrations/versions'], framework: 'alembic', foundBy: 'alembic.ini ([accounts] script_location)' },
      { dirs: ['app/reporting/migrations/versions'], framework: 'alembic', foundBy: 'alembic.ini ([reporting] script_location)' },
    ],
    migrations: [
      ['app/accounts/migrations/versions/a1c0ffee0001_create_accounts.py', 'app/accounts/migrations/versions/a1c0ffee0002_add_accounts_locale.py'],
      ['app/reporting/migrations/versions/b2d0beef0001_create_daily_totals.py'],
    ],
  },
  'flask-migrate': {
    sets: [{ dirs: ['migrations/versions'], framework: 'alembic', foundBy: 'migrations/alembic.ini (Flask-Migrate: no script_location, env.py beside it)' }],
    migrations: [['migrations/versions/4f1e2d3c4b5a_create_posts.py', 'migrations/versions/5a4b3c2d1e0f_add_posts_published.py']],
  },
  'diesel-project': {
    sets: [{ dirs: ['db/diesel-migrations'], framework: 'diesel', foundBy: 'diesel.toml (migrations_directory.dir)' }],
    migrations: [['db/diesel-migrations/2024-04-01-080000_create_ledgers/up.sql', 'db/diesel-migrations/2024-04-02-090000_create_entries/up.sql']],
  },
  'dbmate-custom-dir': {
    sets: [{ dirs: ['database/changes'], framework: 'dbmate', foundBy: 'package.json (scripts.db:migrate)' }],
    migrations: [['database/changes/20240510120000_create_items.sql', 'database/changes/20240511090000_add_items_location.sql']],
  },
};

describe('discovery fixtures: found with no rollsafe config, explained by rollsafe sets', () => {
  for (const [name, expected] of Object.entries(cases)) {
    const dir = join(fixtures, name);
    const rel = (path: string) => relative(dir, path);

    it(`${name}: rollsafe sets names each set's folders, framework, migration count and the config that declares it`, async () => {
      const sets = await describeSets({ cwd: dir });
      expect(sets.map((set) => ({ dirs: set.dirs.map(rel), framework: set.framework, foundBy: set.foundBy }))).toEqual(expected.sets);
      expect(sets.map((set) => set.migrations)).toEqual(expected.migrations.map((list) => list.length));
      for (const set of sets) expect(set.version).not.toBe('');
    });

    it(`${name}: lists the migrations in the framework's order`, async () => {
      const { sets } = await discoverRepository(dir);
      expect(sets.map((set) => set.migrations.map((m) => rel(m.path)))).toEqual(expected.migrations);
    });

    it(`${name}: lint --all checks every migration, and they are clean`, { timeout: 300_000 }, async () => {
      const { results } = await lint({ cwd: dir, paths: [], all: true, staged: false });
      expect(results.map((result) => rel(result.filePath)).sort()).toEqual(expected.migrations.flat().sort());
      expect(results.flatMap((result) => result.messages.map((m) => `${rel(result.filePath)}:${m.line} ${m.ruleId}: ${m.message}`))).toEqual([]);
    });
  }
});

describe('rollsafe sets on the command line', () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
  const run = (args: string[], cwd: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done, failed) => {
      const child = spawn(process.execPath, ['--import', tsx, cli, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', failed);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });

  it('prints each set as folder, folders, framework with its version, migrations and what found it', async () => {
    const { code, stdout, stderr } = await run(['sets'], join(fixtures, 'typeorm-datasource'));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(
      /^src\/database\/migrations\/postgres\n {2}folders {5}src\/database\/migrations\/postgres, src\/modules\/billing\/migrations\n {2}framework {3}typeorm \(typeorm \d+\.\d+\.\d+\)\n {2}migrations {2}3\n {2}found by {4}src\/data-source\.ts \(migrations\)\n\n1 set, 3 migrations\n$/,
    );
  });

  it('--format json gives the same facts with absolute folders', async () => {
    const dir = join(fixtures, 'dbmate-custom-dir');
    const { code, stdout } = await run(['sets', '--format', 'json'], dir);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { dir: join(dir, 'database/changes'), dirs: [join(dir, 'database/changes')], framework: 'dbmate', version: expect.any(String), migrations: 2, foundBy: 'package.json (scripts.db:migrate)', projectDir: dir },
    ]);
  });
});

describe('--staged on a set spanning two folders', () => {
  it('lints each staged file as committed, from copies of both folders, and reports it at its own path', { timeout: 300_000 }, async () => {
    const repo = mkdtempSync(join(tmpdir(), 'rollsafe-two-folders-'));
    try {
      cpSync(join(fixtures, 'typeorm-datasource'), repo, { recursive: true });
      const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
      git('init', '-q');
      git('add', '.');
      // Unstaged edits in both folders: an unguarded create in billing, a broken core migration.
      const billing = join(repo, 'src/modules/billing/migrations/1710000100000-CreateInvoices.ts');
      writeFileSync(billing, readFileSync(billing, 'utf8').replace('CREATE TABLE IF NOT EXISTS', 'CREATE TABLE'));
      const core = join(repo, 'src/database/migrations/postgres/1710000200000-AddInvoicesPaidAt.ts');
      writeFileSync(core, readFileSync(core, 'utf8').replace('ADD COLUMN IF NOT EXISTS', 'ADD COLUMN'));
      const { results } = await lint({ cwd: repo, paths: [], all: false, staged: true });
      expect(results.map((result) => relative(repo, result.filePath)).sort()).toEqual(cases['typeorm-datasource'].migrations[0].slice().sort());
      expect(results.flatMap((result) => result.messages.map((m) => `${relative(repo, result.filePath)}:${m.line} ${m.ruleId}`))).toEqual([]);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
