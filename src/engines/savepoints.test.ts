import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../types.js';
import { createPgliteEngine } from './pglite.js';
import { transactionControl } from './savepoints.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createPgliteEngine({ extensions: [] });
}, 60_000);
afterAll(async () => {
  await engine?.close();
});

const tables = async () => Object.keys((await engine.snapshot()).tables).sort();

describe('checkpoints on real Postgres (PGlite)', () => {
  it('restore undoes DDL, including what a migration committed in its own transaction', async () => {
    await engine.reset();
    await engine.query('create table kept (id int)');
    const checkpoint = await engine.checkpoint!();
    await engine.query('BEGIN');
    await engine.query('create table inside_own_transaction (id int)');
    await engine.query('COMMIT');
    await engine.query('create table autocommitted (id int)');
    expect(await tables()).toEqual(['autocommitted', 'inside_own_transaction', 'kept']);
    await checkpoint.restore();
    expect(await tables()).toEqual(['kept']);
    await engine.query('create table after_restore (id int)');
    await checkpoint.end(true);
    expect(await tables()).toEqual(['after_restore', 'kept']);
  });

  it('restore puts sequences back where they were (nextval is outside transactions), as a replay from empty would', async () => {
    await engine.reset();
    await engine.query('create table accounts (id serial primary key, name text)');
    await engine.query("insert into accounts (name) values ('kept')");
    const checkpoint = await engine.checkpoint!();
    await engine.query("insert into accounts (name) values ('a'), ('b'), ('c')");
    await engine.query('create sequence made_after');
    await checkpoint.restore();
    const { rows } = await engine.query("insert into accounts (name) values ('next') returning id");
    expect(rows).toEqual([{ id: 2 }]);
    await engine.query("insert into accounts (name) values ('x'), ('y')");
    await checkpoint.end(false);
    const after = await engine.query("insert into accounts (name) values ('after end') returning id");
    expect(after.rows).toEqual([{ id: 2 }]);
  });

  it('end(false) goes back to the checkpoint; a failed statement outside a transaction leaves the session usable', async () => {
    await engine.reset();
    const checkpoint = await engine.checkpoint!();
    await engine.query('create table first (id int)');
    await expect(engine.query('create table first (id int)')).rejects.toThrow(/already exists/);
    // As in autocommit: the failed statement alone is undone, the one before stays.
    await engine.query('create table second (id int)');
    expect(await tables()).toEqual(['first', 'second']);
    await checkpoint.end(false);
    expect(await tables()).toEqual([]);
  });

  it("a migration's ROLLBACK undoes its own transaction only; COMMIT of a failed transaction rolls it back", async () => {
    await engine.reset();
    const checkpoint = await engine.checkpoint!();
    await engine.query('create table before_migration (id int)');
    await engine.query('begin');
    await engine.query('create table rolled_back (id int)');
    await engine.query('rollback');
    await engine.query('begin');
    await engine.query('create table failed_transaction (id int)');
    await expect(engine.query('select * from missing_table')).rejects.toThrow(/does not exist/);
    await engine.query('commit');
    expect(await tables()).toEqual(['before_migration']);
    expect(checkpoint.broken).toBe(false);
    await checkpoint.end(false);
  });

  it('is broken by what cannot run inside a transaction (CREATE INDEX CONCURRENTLY)', async () => {
    await engine.reset();
    await engine.query('create table t (id int)');
    const checkpoint = await engine.checkpoint!();
    await expect(engine.query('create index concurrently t_id on t (id)')).rejects.toThrow(/transaction block/);
    expect(checkpoint.broken).toBe(true);
    await checkpoint.end(true);
    // A broken checkpoint is never kept.
    expect((await engine.snapshot()).indexes).toEqual({});
  });

  it('tells transaction control from other statements', () => {
    expect(transactionControl('BEGIN;')).toBe('begin');
    expect(transactionControl('-- start\nSTART TRANSACTION ISOLATION LEVEL SERIALIZABLE')).toBe('begin');
    expect(transactionControl('commit')).toBe('commit');
    expect(transactionControl('END;')).toBe('commit');
    expect(transactionControl('ROLLBACK')).toBe('rollback');
    expect(transactionControl('rollback to savepoint a')).toBe('savepoint');
    expect(transactionControl('prepare transaction \'x\'')).toBe('unsupported');
    expect(transactionControl('create table begin_log (id int)')).toBeUndefined();
    expect(transactionControl('begin; create table t (id int); commit')).toBeUndefined();
  });
});
