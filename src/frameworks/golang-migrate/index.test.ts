import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunnerContext } from '../adapter.js';
import type { Engine } from '../../types.js';
import { golangMigrateAdapter as adapter } from './index.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-golang-migrate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('golang-migrate adapter', () => {
  it('lists migrations by numeric version with their down files, ignoring other files', async () => {
    const dir = folder({
      '10_add_index.up.sql': 'SELECT 1;',
      '10_add_index.down.sql': 'SELECT 1;',
      '9_create_users.up.sql': 'SELECT 1;',
      '0002_create_orgs.up.sql': 'SELECT 1;',
      '0002_create_orgs.down.sql': 'SELECT 1;',
      'README.md': '# migrations',
      '11_only_down.down.sql': 'SELECT 1;',
    });
    expect(await adapter.listMigrations(dir)).toEqual([
      { id: '2', path: join(dir, '0002_create_orgs.up.sql'), downPath: join(dir, '0002_create_orgs.down.sql') },
      { id: '9', path: join(dir, '9_create_users.up.sql') },
      { id: '10', path: join(dir, '10_add_index.up.sql'), downPath: join(dir, '10_add_index.down.sql') },
    ]);
  });

  it('claims up and down SQL files by name', () => {
    expect(adapter.claims('/m/20240101_users.up.sql', '')).toBe(true);
    expect(adapter.claims('/m/20240101_users.down.sql', '')).toBe(true);
    expect(adapter.claims('/m/20240101_users.sql', '')).toBe(false);
  });

  it('reads up operations from the up file and down operations from the down file, at their lines', async () => {
    const dir = folder({
      '1_users.up.sql': '-- users\nCREATE TABLE users (id int);\n',
      '1_users.down.sql': '\n\nDROP TABLE users;\n',
    });
    const [migration] = await adapter.listMigrations(dir);
    const model = await adapter.analyse(migration);
    expect(model.operations.map((o) => [o.direction, o.kind, o.loc])).toEqual([
      ['up', 'CREATE TABLE', { file: migration.path, line: 2, column: 1 }],
      ['down', 'DROP TABLE', { file: migration.downPath, line: 3, column: 1 }],
    ]);
    expect(model.down).toEqual({ status: 'present', empty: false, loc: { file: migration.downPath, line: 1, column: 1 } });
    expect(model.transactional).toBe(true);
  });

  it('models a missing down file as missing and a comment-only one as empty', async () => {
    const dir = folder({
      '1_a.up.sql': 'CREATE TABLE IF NOT EXISTS a (id int);',
      '2_b.up.sql': 'UPDATE a SET id = id;',
      '2_b.down.sql': '-- nothing to undo\n\n',
    });
    const [first, second] = await adapter.listMigrations(dir);
    expect((await adapter.analyse(first)).down).toEqual({ status: 'missing', empty: false, loc: { file: first.path, line: 1, column: 1 } });
    expect((await adapter.analyse(second)).down).toMatchObject({ status: 'present', empty: true, loc: { file: second.downPath } });
  });

  it('collects directives from both files, reports parse errors and CONCURRENTLY as non-transactional', async () => {
    const dir = folder({
      '1_a.up.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON a (id);',
      '1_a.down.sql': '-- rollsafe-disable-next-line require-guard -- dropped by hand before\nDROP INDEX a_idx;\nDROP TABEL a;',
    });
    const [migration] = await adapter.listMigrations(dir);
    const model = await adapter.analyse(migration);
    expect(model.transactional).toBe(false);
    expect(model.directives).toMatchObject([{ kind: 'disable-next-line', rules: ['require-guard'], appliesToLine: 2, loc: { file: migration.downPath } }]);
    expect(model.parseError).toEqual({ message: 'syntax error at or near "TABEL"', loc: { file: migration.downPath, line: 3, column: 6 } });
  });

  it('runs the up or down file, naming the failing statement and file, and does nothing for a missing down', async () => {
    const dir = folder({
      '1_a.up.sql': 'CREATE TABLE IF NOT EXISTS a (id int);\nCREATE TABLE b (id int);',
      '1_a.down.sql': 'DROP TABLE IF EXISTS b;\n\nDROP TABLE a;',
      '2_c.up.sql': 'SELECT 1;',
    });
    const ran: string[] = [];
    const engine = {
      async query(sql: string) {
        ran.push(sql);
        if (/^(CREATE TABLE b|DROP TABLE a)/.test(sql)) throw new Error('boom');
        return { rows: [], rowCount: 0 };
      },
      isUnsupported: () => false,
    } as unknown as Engine;
    const runner = await adapter.createRunner({ engine } as RunnerContext);
    const [first, second] = await adapter.listMigrations(dir);
    await expect(runner.run(first, 'up')).rejects.toMatchObject({ loc: { file: first.path, line: 2 } });
    await expect(runner.run(first, 'down')).rejects.toMatchObject({ loc: { file: first.downPath, line: 3 } });
    ran.length = 0;
    await runner.run(second, 'down');
    expect(ran).toEqual([]);
  });
});
