// The version matrix: each supported major of a framework, installed side by side in rollsafe's
// devDependencies under an npm alias (`node-pg-migrate-7` is node-pg-migrate@7), is linked into a
// fixture project as the plain package name and must give the same findings on the same rule cases.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { fixturesRoot, verdicts } from './fixture-sets.js';

const repoModules = join(import.meta.dirname, '..', 'node_modules');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A project whose `node_modules/<name>` is the aliased install `alias`, holding copies of `sets`' migrations. */
function projectWith(name: string, alias: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `rollsafe-${alias}-`));
  made.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { [name]: '*' } }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(repoModules, alias), join(dir, 'node_modules', name), 'dir');
  mkdirSync(join(dir, 'migrations'));
  for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, 'migrations', file), source);
  return dir;
}

function fixtureFiles(set: string): { files: Record<string, string>; expected: Record<string, string[]> } {
  const dir = join(fixturesRoot, set);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, string[]>;
  const files = Object.fromEntries(Object.keys(expected).map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
  return { files, expected };
}

/** The findings on every migration of the project, each checked as `rollsafe lint <file>` would. */
async function findings(dir: string, framework: 'node-pg-migrate' | 'knex' | 'kysely'): Promise<Record<string, string[]>> {
  const paths = readdirSync(join(dir, 'migrations')).map((file) => join(dir, 'migrations', file));
  const { results } = await lint({ cwd: dir, paths, all: false, staged: false, framework });
  const actual = verdicts(results, join(dir, 'migrations'));
  for (const path of paths) actual[relative(join(dir, 'migrations'), path)] ??= [];
  return actual;
}

const sorted = (expected: Record<string, string[]>) => Object.fromEntries(Object.entries(expected).map(([file, list]) => [file, [...list].sort()]));

// A named constraint from a raw SQL expression, no down: 6.x drops it by name, 7.0 and later refuse.

const namedRawConstraint = `exports.up = (pgm) => {
  pgm.createTable('invoices', { id: 'id', number: { type: 'integer', notNull: true } }, { ifNotExists: true });
};

exports.down = (pgm) => {
  pgm.dropTable('invoices', { ifExists: true });
};
`;
const addUnique = `exports.up = (pgm) => {
  pgm.createConstraint('invoices', 'invoices_number_key', 'UNIQUE (number)');
};
`;

describe('node-pg-migrate majors give the same findings on the same rule cases', () => {
  const majors: [alias: string, major: number][] = [
    ['node-pg-migrate-6', 6],
    ['node-pg-migrate-7', 7],
    ['node-pg-migrate', 8],
    ['node-pg-migrate-9', 9],
  ];
  for (const [alias, major] of majors) {
    for (const set of ['clean', 'mistakes']) {
      it(`${major}.x: node-pg-migrate/${set}`, async () => {
        const { files, expected } = fixtureFiles(join('node-pg-migrate', set));
        const dir = projectWith('node-pg-migrate', alias, files);
        const actual = await findings(dir, 'node-pg-migrate');
        expect(actual).toEqual(sorted(expected));
      }, 120_000);
    }

    it(`${major}.x: a named createConstraint with a raw SQL expression is ${major === 6 ? 'reversed' : 'not reversible'}`, async () => {
      const dir = projectWith('node-pg-migrate', alias, { '1_invoices.cjs': namedRawConstraint, '2_invoice-number-unique.cjs': addUnique });
      const actual = await findings(dir, 'node-pg-migrate');
      // 6.x runs the derived down (DROP CONSTRAINT, unguarded: a second down fails); 7+ has none to run.
      const expected = major === 6 ? ['idempotent-down@2', 'idempotent-up@2', 'require-guard@2'] : ['idempotent-up@2', 'require-down@1', 'require-guard@2'];
      expect(actual['2_invoice-number-unique.cjs']).toEqual(expected);
    }, 120_000);
  }

  it('an unsupported major is one line naming the supported ones, not a finding on a migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-npm5-'));
    made.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { 'node-pg-migrate': '^5' } }));
    // A stand-in install: only its package.json is read before anything runs.
    cpSync(join(repoModules, 'node-pg-migrate-6'), join(dir, 'node_modules', 'node-pg-migrate'), { recursive: true });
    const manifest = join(dir, 'node_modules', 'node-pg-migrate', 'package.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/"version": "[^"]+"/, '"version": "5.10.0"'));
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', '1_invoices.cjs'), namedRawConstraint);
    const error = await lint({ cwd: dir, paths: [join(dir, 'migrations', '1_invoices.cjs')], all: false, staged: false, framework: 'node-pg-migrate' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe('FrameworkVersionError');
    expect(error?.message).toMatch(/^node-pg-migrate 5\.10\.0 \(.*\) is not supported: rollsafe runs node-pg-migrate 6\.x, 7\.x, 8\.x and 9\.x$/);
  }, 120_000);
});

describe('knex majors give the same findings on the same rule cases', () => {
  for (const [alias, version] of [
    ['knex-0.95', '0.95'],
    ['knex', '3'],
  ] as const) {
    // knex/clean-cjs uses table.check(), which knex has only since 1.0.
    for (const set of ['mistakes']) {
      it(`${version}: knex/${set}`, async () => {
        const { files, expected } = fixtureFiles(join('knex', set));
        const dir = projectWith('knex', alias, files);
        expect(await findings(dir, 'knex')).toEqual(sorted(expected));
      }, 180_000);
    }
  }
});

// Written with what Kysely 0.23 already has (no column-level ifNotExists): the same case on 0.23 and on today's.
const kyselyUsers = `import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('users').ifNotExists().addColumn('id', 'serial', (col) => col.primaryKey()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').ifExists().execute();
}
`;
const kyselyNickname = `import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('nickname', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('nickname').execute();
}
`;

describe('Kysely versions give the same findings on the same rule cases', () => {
  for (const [alias, version] of [
    ['kysely-0.23', '0.23'],
    ['kysely', 'current'],
  ] as const) {
    it(`${version}: an unguarded addColumn after a guarded createTable`, async () => {
      const dir = projectWith('kysely', alias, { '2024_01_01_000000_users.ts': kyselyUsers, '2024_01_02_000000_nickname.ts': kyselyNickname });
      const actual = await findings(dir, 'kysely');
      expect(actual['2024_01_01_000000_users.ts']).toEqual([]);
      // The rules, not the lines: Kysely 0.23 runs plugins after an await, where the dynamic findings land on the line above the call.
      expect(actual['2024_01_02_000000_nickname.ts'].map((finding) => finding.split('@')[0])).toEqual(['idempotent-down', 'idempotent-up', 'require-guard', 'require-guard']);
    }, 180_000);
  }
});
