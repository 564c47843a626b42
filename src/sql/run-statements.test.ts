import { describe, expect, it } from 'vitest';
import { MigrationRunError, type Engine } from '../types.js';
import { runSqlScript } from './run-statements.js';

// A stand-in engine that records statements and fails the ones matching `failOn`.
function fakeEngine(failOn: RegExp, unsupported = false) {
  const ran: string[] = [];
  const engine = {
    name: 'pg-mem',
    async query(sql: string) {
      ran.push(sql);
      if (failOn.test(sql)) throw new Error(`relation "users" already exists`);
      return { rows: [], rowCount: 0 };
    },
    async exec() {},
    isUnsupported: () => unsupported,
  } as unknown as Engine;
  return { engine, ran };
}

describe('runSqlScript', () => {
  it('runs statements one by one and stops at the failing one, reporting its line in the file', async () => {
    const { engine, ran } = fakeEngine(/CREATE TABLE users/);
    const sql = 'CREATE TABLE IF NOT EXISTS orgs (id int);\n\n-- people\nCREATE TABLE users (\n  id int\n);\nCREATE TABLE never_run (id int);';
    const error = await runSqlScript(engine, { sql, file: '/m/003_users.sql', baseLine: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationRunError);
    expect(error).toMatchObject({
      message: 'relation "users" already exists',
      loc: { file: '/m/003_users.sql', line: 23, column: 1 },
      sql: 'CREATE TABLE users (\n  id int\n)',
      unsupported: false,
    });
    expect(ran).toEqual(['CREATE TABLE IF NOT EXISTS orgs (id int)', 'CREATE TABLE users (\n  id int\n)']);
  });

  it("passes on the engine's verdict that it cannot run the statement", async () => {
    const { engine } = fakeEngine(/DO/, true);
    const error = await runSqlScript(engine, { sql: 'DO $$ BEGIN NULL; END $$;', file: 'm.sql' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ unsupported: true, loc: { line: 1 } });
  });

  it('runs nothing when the script does not parse, and reports where', async () => {
    const { engine, ran } = fakeEngine(/never/);
    const error = await runSqlScript(engine, { sql: 'CREATE TABLE a (id int);\nCREATE TABEL b (id int);', file: 'm.sql' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'syntax error at or near "TABEL"', loc: { file: 'm.sql', line: 2, column: 8 } });
    expect(ran).toEqual([]);
  });

  it("rolls back the migration's own open transaction when a statement fails", async () => {
    const { engine, ran } = fakeEngine(/CREATE TABLE users/);
    await runSqlScript(engine, { sql: 'BEGIN;\nCREATE TABLE users (id int);\nCOMMIT;', file: 'm.sql' }).catch(() => undefined);
    expect(ran).toEqual(['BEGIN', 'CREATE TABLE users (id int)', 'ROLLBACK']);
  });
});
