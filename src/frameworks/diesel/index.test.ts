import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunnerContext } from '../adapter.js';
import type { Engine } from '../../types.js';
import { dieselAdapter as adapter } from './index.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-diesel-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function recordingEngine(name: 'pg-mem' | 'pglite' = 'pglite') {
  const ran: string[] = [];
  const engine = {
    name,
    async query(sql: string) {
      ran.push(sql);
      return { rows: [], rowCount: 0 };
    },
    isUnsupported: () => false,
  } as unknown as Engine;
  return { engine, ran };
}

describe('diesel adapter', () => {
  it('lists version folders in version order, with their down.sql, ignoring folders without up.sql and loose files', async () => {
    const dir = folder({
      '2024-02-01-000000_b/up.sql': 'SELECT 1;',
      '2024-02-01-000000_b/down.sql': 'SELECT 1;',
      '00000000000000_diesel_initial_setup/up.sql': 'SELECT 1;',
      '2023-12-31-235959_a/up.sql': 'SELECT 1;',
      'not_a_version/up.sql': 'SELECT 1;',
      '2024-03-01-000000_only_down/down.sql': 'SELECT 1;',
      '.keep': '',
    });
    expect(await adapter.listMigrations(dir)).toEqual([
      { id: '00000000000000', path: join(dir, '00000000000000_diesel_initial_setup/up.sql') },
      { id: '20231231235959', path: join(dir, '2023-12-31-235959_a/up.sql') },
      { id: '20240201000000', path: join(dir, '2024-02-01-000000_b/up.sql'), downPath: join(dir, '2024-02-01-000000_b/down.sql') },
    ]);
  });

  it('claims up.sql and down.sql inside a version folder only', () => {
    expect(adapter.claims('/m/2024-01-01-000000_users/up.sql', '')).toBe(true);
    expect(adapter.claims('/m/2024-01-01-000000_users/down.sql', '')).toBe(true);
    expect(adapter.claims('/m/users/up.sql', '')).toBe(false);
    expect(adapter.claims('/m/1_users.up.sql', '')).toBe(false);
  });

  it('models one transaction per migration, none when metadata.toml says run_in_transaction = false', async () => {
    const dir = folder({
      '1_a/up.sql': 'CREATE TABLE IF NOT EXISTS a (id int);',
      '1_a/down.sql': 'DROP TABLE IF EXISTS a;',
      '2_b/up.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON a (id);',
      '2_b/down.sql': 'DROP INDEX IF EXISTS a_idx;',
      '2_b/metadata.toml': 'run_in_transaction = false # the index is built concurrently\n',
    });
    const [first, second] = await adapter.listMigrations(dir);
    expect((await adapter.analyse(first)).transactional).toBe(true);
    expect((await adapter.analyse(second)).transactional).toBe(false);

    const { engine, ran } = recordingEngine();
    const runner = await adapter.createRunner({ engine } as RunnerContext);
    await runner.run(first, 'up');
    await runner.run(second, 'up');
    expect(ran).toEqual(['BEGIN', 'CREATE TABLE IF NOT EXISTS a (id int)', 'COMMIT', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON a (id)']);
  });

  it('hands a CONCURRENTLY statement inside diesel\'s transaction from pg-mem to real Postgres, at its line', async () => {
    const dir = folder({ '1_a/up.sql': '-- index\nCREATE INDEX CONCURRENTLY a_idx ON a (id);' });
    const [migration] = await adapter.listMigrations(dir);
    const { engine, ran } = recordingEngine('pg-mem');
    const runner = await adapter.createRunner({ engine } as RunnerContext);
    await expect(runner.run(migration, 'up')).rejects.toMatchObject({ unsupported: true, loc: { file: migration.path, line: 2 } });
    expect(ran).toEqual([]);
  });

  it('reads operations and guards from up.sql and down.sql; a missing down.sql is a missing down', async () => {
    const dir = folder({ '1_a/up.sql': '\nCREATE TABLE a (id int);', '2_b/up.sql': 'SELECT 1;', '2_b/down.sql': '-- nothing\n' });
    const [first, second] = await adapter.listMigrations(dir);
    const model = await adapter.analyse(first);
    expect(model.operations.map((o) => [o.kind, o.guarded, o.loc.line])).toEqual([['CREATE TABLE', false, 2]]);
    expect(model.down.status).toBe('missing');
    expect((await adapter.analyse(second)).down).toMatchObject({ status: 'present', empty: true });
  });
});
