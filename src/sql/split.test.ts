import { describe, expect, it } from 'vitest';
import { splitStatements, SqlSyntaxError } from './split.js';

describe('splitStatements', () => {
  it('gives each statement its first line, column and last line, leading comments excluded', async () => {
    const sql = ['-- users first', 'CREATE TABLE users (', '  id bigint', ');', '  /* then a view */ CREATE VIEW v AS SELECT 1;'].join('\n');
    const statements = await splitStatements(sql);
    expect(statements.map(({ sql, line, column, endLine }) => ({ sql, line, column, endLine }))).toEqual([
      { sql: 'CREATE TABLE users (\n  id bigint\n)', line: 2, column: 1, endLine: 4 },
      { sql: 'CREATE VIEW v AS SELECT 1', line: 5, column: 21, endLine: 5 },
    ]);
    expect(Object.keys(statements[0].node as object)).toEqual(['CreateStmt']);
  });

  it('converts byte offsets to string positions after multi-byte text', async () => {
    const sql = "-- Übersicht: naïve 😀 comment\nINSERT INTO notes VALUES ('日本語 😀');  SELECT 'é';\nSELECT 2";
    const statements = await splitStatements(sql);
    expect(statements.map((s) => [s.sql, s.line, s.column])).toEqual([
      ["INSERT INTO notes VALUES ('日本語 😀')", 2, 1],
      ["SELECT 'é'", 2, 39],
      ['SELECT 2', 3, 1],
    ]);
  });

  it('keeps a semicolon inside dollar quotes, a DO block and a function body in one statement', async () => {
    const sql = [
      'DO $$ BEGIN',
      "  CREATE TYPE mood AS ENUM ('happy', 'sad');",
      'EXCEPTION WHEN duplicate_object THEN NULL;',
      'END $$;',
      'CREATE FUNCTION touch() RETURNS trigger AS $body$',
      'BEGIN NEW.updated_at := now(); RETURN NEW; END;',
      '$body$ LANGUAGE plpgsql;',
    ].join('\n');
    const statements = await splitStatements(sql);
    expect(statements.map((s) => [s.line, s.endLine, Object.keys(s.node as object)[0]])).toEqual([
      [1, 4, 'DoStmt'],
      [5, 7, 'CreateFunctionStmt'],
    ]);
    expect(statements[1].sql.endsWith('$body$ LANGUAGE plpgsql')).toBe(true);
  });

  it('leaves a trailing comment out of the last statement and finds nothing in a comment-only text', async () => {
    expect((await splitStatements('SELECT 1 -- done\n')).map((s) => [s.sql, s.endLine])).toEqual([['SELECT 1', 1]]);
    expect(await splitStatements('-- nothing to undo\n\n/* really */\n')).toEqual([]);
  });

  it('reports a syntax error at the line and column Postgres stopped at, counting characters', async () => {
    const error = await splitStatements("SELECT 1;\nINSERT INTO t VALUES ('😀ü') oops;").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlSyntaxError);
    expect(error).toMatchObject({ message: 'syntax error at or near "oops"', line: 2, column: 30 });
  });
});
