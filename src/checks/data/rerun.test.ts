import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../engines/index.js';
import type { Engine } from '../../types.js';
import { readTables } from './digest.js';
import { comparable, rerunChanges, volatileColumns } from './rerun-diff.js';
import { writeSites } from './sites.js';
import { changesData, tablesRead, tablesWritten, writtenBy } from './writes.js';

describe('statements that change rows', () => {
  it('are INSERT, UPDATE, DELETE, MERGE, COPY, CTEs and DO blocks that write, and ALTER … TYPE … USING', () => {
    expect(writtenBy('INSERT INTO "public"."permissions" ("code") VALUES ($1)')).toEqual(['permissions']);
    expect(writtenBy('update "accounts" set "credits" = "credits" + 5')).toEqual(['accounts']);
    expect(writtenBy('DELETE FROM audit.log WHERE id < 10')).toEqual(['audit.log']);
    expect(writtenBy('MERGE INTO stock s USING incoming i ON s.sku = i.sku WHEN MATCHED THEN UPDATE SET qty = s.qty + i.qty')).toEqual(['stock']);
    expect(writtenBy('COPY users FROM STDIN')).toEqual(['users']);
    expect(writtenBy('WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved')).toEqual(['a', 'b']);
    expect(writtenBy("DO $$ BEGIN UPDATE users SET handle = '@' || handle; END $$")).toEqual(['users']);
    expect(writtenBy('ALTER TABLE invoices ALTER COLUMN total TYPE bigint USING total * 1000')).toEqual(['invoices']);
  });

  it('are not DDL, reads, row locks or the DO UPDATE of an upsert', () => {
    expect(writtenBy('CREATE TABLE t (id int REFERENCES u ON UPDATE CASCADE, updated_at timestamptz)')).toBeNull();
    expect(writtenBy('ALTER TABLE invoices ALTER COLUMN total TYPE bigint')).toBeNull();
    expect(writtenBy('ALTER TABLE users ADD COLUMN last_update timestamptz')).toBeNull();
    expect(writtenBy('SELECT * FROM jobs FOR UPDATE SKIP LOCKED')).toBeNull();
    expect(writtenBy('CREATE FUNCTION f() RETURNS void AS $$ UPDATE t SET n = n + 1 $$ LANGUAGE sql')).toBeNull();
    expect(writtenBy('INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name')).toEqual(['tags']);
    expect(changesData('BEGIN; CREATE TABLE IF NOT EXISTS t (id int); COMMIT')).toBe(false);
    expect(changesData("CREATE TABLE IF NOT EXISTS t (id int); INSERT INTO t VALUES (1)")).toBe(true);
  });

  it('reach the tables they name and, through foreign keys, the tables referencing them', () => {
    const schema = {
      tables: {
        customers: { columns: {}, uniques: {}, foreignKeys: {}, checks: {} },
        orders: { columns: {}, uniques: {}, checks: {}, foreignKeys: { fk: { columns: ['customer_id'], references: 'customers', referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' } } },
        notes: { columns: {}, uniques: {}, foreignKeys: {}, checks: {} },
      },
    } as never;
    expect(tablesWritten(['CREATE INDEX i ON notes (id)'], schema)).toBeUndefined();
    expect([...tablesWritten(['DELETE FROM customers WHERE id = 1'], schema)!].sort()).toEqual(['customers', 'orders']);
    expect([...tablesRead(['SELECT id, total FROM orders JOIN customers ON true', 'SELECT 1 FROM information_schema.tables'], schema)].sort()).toEqual(['customers', 'orders']);
  });
});

const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

/** The table's contents after `setup`, then after `setup` and `rerun`: what the second run changed. */
async function secondRun(ddl: string, setup: string, rerun: string) {
  const engine = await createEngine('pg-mem');
  engines.push(engine);
  await engine.exec(ddl);
  const schema = await engine.snapshot();
  const table = Object.keys(schema.tables)[0];
  await engine.exec(setup);
  const first = await readTables(engine, schema, [table]);
  await engine.exec(rerun);
  const second = await readTables(engine, schema, [table]);
  return rerunChanges(table, schema.tables[table], first.get(table)!, second.get(table)!);
}

describe('what a second run did to a table', () => {
  it('inserted rows: counted, with the row itself as the example', async () => {
    const seed = "INSERT INTO permissions (code) VALUES ('read'), ('write')";
    const changes = await secondRun('CREATE TABLE permissions (id serial PRIMARY KEY, code text NOT NULL)', seed, seed);
    expect(changes).toEqual([{ table: 'permissions', change: 'inserted', count: 2, of: 2, example: "code = 'read', …", sites: [] }]);
  });

  it('changed a column again: by primary key, with the value before and after', async () => {
    const ddl = 'CREATE TABLE invoices (id serial PRIMARY KEY, total int)';
    const changes = await secondRun(ddl, 'INSERT INTO invoices (total) VALUES (12), (13), (NULL); UPDATE invoices SET total = total * 1000', 'UPDATE invoices SET total = total * 1000');
    expect(changes).toEqual([{ table: 'invoices', change: 'changed', column: 'total', count: 2, of: 3, example: 'id 1: 12000 → 12000000', sites: [] }]);
  });

  it('deleted rows again', async () => {
    const ddl = 'CREATE TABLE sessions (id serial PRIMARY KEY, token text)';
    // What `DELETE … WHERE id = (SELECT min(id) …)` does on each run (pg-mem cannot run that subquery).
    const changes = await secondRun(ddl, "INSERT INTO sessions (token) VALUES ('a'), ('b'), ('c'); DELETE FROM sessions WHERE id = 1", 'DELETE FROM sessions WHERE id = 2');
    expect(changes).toEqual([{ table: 'sessions', change: 'deleted', count: 1, of: 2, example: "token = 'b', …", sites: [] }]);
  });

  it('without a primary key, compares rows as a multiset: a rewrite is a change, a duplicate an insert', async () => {
    const ddl = 'CREATE TABLE handles (handle text NOT NULL)';
    const rewrite = await secondRun(ddl, "INSERT INTO handles VALUES ('ann'), ('bob'); UPDATE handles SET handle = '@' || handle", "UPDATE handles SET handle = '@' || handle");
    expect(rewrite).toEqual([{ table: 'handles', change: 'changed', column: 'handle', count: 2, of: 2, example: "a row with handle = '@ann' now holds '@@ann'", sites: [] }]);
    const duplicate = await secondRun(ddl, "INSERT INTO handles VALUES ('ann')", "INSERT INTO handles VALUES ('ann')");
    expect(duplicate.map((c) => [c.change, c.count])).toEqual([['inserted', 1]]);
  });

  it('is nothing when the rows are only deleted and made again with fresh ids, uuids and timestamps', async () => {
    const ddl = 'CREATE TABLE settings (id serial PRIMARY KEY, key text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())';
    const reseed = "DELETE FROM settings WHERE key = 'theme'; INSERT INTO settings (key) VALUES ('theme')";
    expect(await secondRun(ddl, reseed, reseed)).toEqual([]);
    const stamped = "DELETE FROM settings WHERE key = 'theme'; INSERT INTO settings (key, created_at) VALUES ('theme', now())";
    expect(await secondRun('CREATE TABLE settings (id serial PRIMARY KEY, key text NOT NULL, created_at timestamptz)', stamped, stamped)).toEqual([]);
  });

  it('is nothing for an upsert that does nothing on conflict, though it uses up a sequence value', async () => {
    const seed = "INSERT INTO permissions (code) VALUES ('read') ON CONFLICT (code) DO NOTHING";
    expect(await secondRun('CREATE TABLE permissions (id serial PRIMARY KEY, code text NOT NULL UNIQUE)', seed, seed)).toEqual([]);
  });

  it('knows which columns a run fills afresh, and which values are "now"', () => {
    const table = {
      columns: {
        id: { type: 'integer', nullable: false, default: "nextval('t_id_seq'::regclass)" },
        ref: { type: 'uuid', nullable: false, default: 'gen_random_uuid()' },
        at: { type: 'timestamptz', nullable: false, default: 'CURRENT_TIMESTAMP' },
        n: { type: 'integer', nullable: false, generated: 'always' },
        code: { type: 'text', nullable: false, default: "'x'::text" },
      },
      uniques: {},
      foreignKeys: {},
      checks: {},
    };
    expect([...volatileColumns(table)].sort()).toEqual(['at', 'id', 'n', 'ref']);
    expect(comparable(new Date().toISOString())).toBe('now');
    expect(comparable('2024-01-11T11:21:31.250Z')).toBe('2024-01-11T11:21:31.250Z');
  });
});

describe('where a table is written in the source', () => {
  it('prefers a line naming the table next to a verb, and among those the one that sets the column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-sites-'));
    const file = join(dir, 'migration.ts');
    writeFileSync(
      file,
      [
        "// update invoices in thousandths",
        'export async function up(knex) {',
        "  await knex.raw('UPDATE invoices SET total_milli = total * 1000 WHERE total_milli IS NULL');",
        "  await knex.raw('UPDATE invoices SET total = total * 1000');",
        '  await knex(\'permissions\')',
        '    .insert([{ code: \'read\' }]);',
        '}',
      ].join('\n'),
    );
    expect(writeSites([file], 'invoices', 'total').map((site) => site.line)).toEqual([4, 3]);
    expect(writeSites([file], 'permissions')[0].line).toBe(5);
  });
});
