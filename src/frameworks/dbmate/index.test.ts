import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunnerContext } from '../adapter.js';
import type { Engine } from '../../types.js';
import { dbmateAdapter as adapter } from './index.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-dbmate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const usersMigration = [
  '-- migrate:up',
  'CREATE TABLE IF NOT EXISTS users (id bigint);',
  'ALTER TABLE users ADD COLUMN email text;',
  '',
  '-- migrate:down',
  '-- rollsafe-disable-next-line require-guard -- users is always there when this runs',
  'DROP TABLE users;',
].join('\n');

describe('dbmate adapter', () => {
  it('lists .sql files whose names start with a version, in dbmate\'s file-name order', async () => {
    const dir = folder({
      '20240301_b.sql': '-- migrate:up\n',
      '20240201_a.sql': '-- migrate:up\n',
      '20240301120000_c.sql': '-- migrate:up\n',
      'schema.sql': '',
      'notes.txt': '',
    });
    expect(await adapter.listMigrations(dir)).toEqual([
      { id: '20240201', path: join(dir, '20240201_a.sql') },
      // Go compares names byte-wise: '1' sorts before '_', whatever the versions' numeric values.
      { id: '20240301120000', path: join(dir, '20240301120000_c.sql') },
      { id: '20240301', path: join(dir, '20240301_b.sql') },
    ]);
  });

  it('claims a versioned .sql file that has a migrate:up section', () => {
    expect(adapter.claims('/db/migrations/20240101_users.sql', usersMigration)).toBe(true);
    expect(adapter.claims('/db/migrations/20240101_users.sql', 'CREATE TABLE users (id int);')).toBe(false);
    expect(adapter.claims('/db/schema.sql', usersMigration)).toBe(false);
  });

  it('places operations, the up, the down and directives at their real lines of the file', async () => {
    const dir = folder({ '1_users.sql': usersMigration });
    const [migration] = await adapter.listMigrations(dir);
    const model = await adapter.analyse(migration);
    const file = migration.path;
    expect(model.up).toEqual({ file, line: 1, column: 1 });
    expect(model.down).toEqual({ status: 'present', empty: false, loc: { file, line: 5, column: 1 } });
    expect(model.operations.map((o) => [o.direction, o.kind, o.guarded, o.loc.line])).toEqual([
      ['up', 'CREATE TABLE', true, 2],
      ['up', 'ALTER TABLE ADD COLUMN', false, 3],
      ['down', 'DROP TABLE', false, 7],
    ]);
    expect(model.directives).toMatchObject([{ kind: 'disable-next-line', appliesToLine: 7 }]);
  });

  it('models no down section as missing and a comment-only one as empty', async () => {
    const dir = folder({
      '1_a.sql': '-- migrate:up\nCREATE TABLE IF NOT EXISTS a (id int);\n',
      '2_b.sql': '-- migrate:up\nUPDATE a SET id = id;\n\n-- migrate:down\n-- nothing to undo\n',
    });
    const [first, second] = await adapter.listMigrations(dir);
    expect((await adapter.analyse(first)).down).toEqual({ status: 'missing', empty: false, loc: { file: first.path, line: 1, column: 1 } });
    expect((await adapter.analyse(second)).down).toEqual({ status: 'present', empty: true, loc: { file: second.path, line: 4, column: 1 } });
  });

  it('reads transaction:false, parse errors at file lines, and files dbmate refuses', async () => {
    const dir = folder({
      '1_idx.sql': '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON a (id);\n-- migrate:down\nDROP INDEX IF EXISTS a_idx;\n',
      '2_bad.sql': '-- migrate:up\nSELECT 1;\n\n-- migrate:down\nDROP TABEL a;\n',
      '3_stray.sql': 'CREATE TABLE a (id int);\n-- migrate:up\n',
    });
    const [idx, bad, stray] = await adapter.listMigrations(dir);
    expect((await adapter.analyse(idx)).transactional).toBe(false);
    expect((await adapter.analyse(bad)).parseError).toEqual({ message: 'syntax error at or near "TABEL"', loc: { file: bad.path, line: 5, column: 6 } });
    expect((await adapter.analyse(stray)).parseError).toMatchObject({ message: expect.stringMatching(/preceding the '-- migrate:up' block/), loc: { line: 1 } });
  });

  it('runs one section, reporting the failing statement at its line of the file', async () => {
    const dir = folder({ '1_users.sql': usersMigration });
    const ran: string[] = [];
    const engine = {
      async query(sql: string) {
        ran.push(sql);
        if (sql.startsWith('ALTER TABLE users ADD COLUMN')) throw new Error('column "email" of relation "users" already exists');
        return { rows: [], rowCount: 0 };
      },
      isUnsupported: () => false,
    } as unknown as Engine;
    const runner = await adapter.createRunner({ engine } as RunnerContext);
    const [migration] = await adapter.listMigrations(dir);
    await expect(runner.run(migration, 'up')).rejects.toMatchObject({ loc: { file: migration.path, line: 3, column: 1 } });
    ran.length = 0;
    await runner.run(migration, 'down');
    expect(ran).toEqual(['DROP TABLE users']);
  });
});
