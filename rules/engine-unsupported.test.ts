import { describe, expect, it } from 'vitest';
import { lintCase, ruleTester, type RuleTestCase } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;

// pg-mem has no PL/pgSQL: a DO block is beyond it, yet perfectly valid Postgres.
const guardedMoodType = `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
    CREATE TYPE mood AS ENUM ('happy', 'sad');
  END IF;
END
$$;
`;

const golangMood: RuleTestCase['files'] = {
  '001_create_mood.up.sql': guardedMoodType,
  '001_create_mood.down.sql': 'DROP TYPE IF EXISTS mood;\n',
};

const dbmateMood = `-- migrate:up
${guardedMoodType}
-- migrate:down
DROP TYPE IF EXISTS mood;
`;

const knexMood = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.raw(\`${guardedMoodType}\`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TYPE IF EXISTS mood');
}
`;

const noFallback = { fallback: false } as const;

ruleTester.run('engine-unsupported', {
  valid: [
    // By default pg-mem's failures are re-checked on PGlite, which runs the DO block.
    { name: 'a DO block, re-checked on PGlite', framework: 'golang-migrate', files: golangMood },
    { name: 'a DO block, re-checked on PGlite', framework: 'dbmate', files: { '20240101120000_create_mood.sql': dbmateMood } },
    { name: 'a DO block in knex.raw, re-checked on PGlite', framework: 'knex', files: { '20240101120000_create_mood.ts': knexMood } },
    {
      name: 'a DO block on PGlite itself',
      framework: 'golang-migrate',
      files: golangMood,
      options: { engine: 'pglite', fallback: false },
    },
  ],
  invalid: [
    {
      name: 'a DO block on pg-mem with --no-fallback',
      framework: 'golang-migrate',
      files: golangMood,
      options: noFallback,
      errors: [{ messageId: 'statement', message: /^pg-mem cannot run this statement, so the up check/, line: 1, severity: 1, file: '001_create_mood.up.sql' }],
    },
    {
      name: 'a DO block on pg-mem with --no-fallback',
      framework: 'dbmate',
      files: { '20240101120000_create_mood.sql': dbmateMood },
      options: noFallback,
      errors: [{ messageId: 'statement', line: 2, severity: 1 }],
    },
    {
      name: 'a DO block in knex.raw on pg-mem with --no-fallback',
      framework: 'knex',
      files: { '20240101120000_create_mood.ts': knexMood },
      options: noFallback,
      errors: [{ messageId: 'statement', line: 4, severity: 1 }],
    },
    {
      name: 'an earlier migration pg-mem cannot replay, with --no-fallback',
      framework: 'golang-migrate',
      files: {
        ...golangMood,
        '002_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY, mood mood);\n',
        '002_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
      },
      options: noFallback,
      errors: [{ messageId: 'replay', message: /earlier migration 001_create_mood\.up\.sql\b/, line: 1, severity: 1, file: '002_create_users.up.sql' }],
    },
  ],
});

describe('engine-unsupported is never a migration bug', () => {
  it('a correct migration pg-mem cannot run gets warnings only, never an error, with --no-fallback', async () => {
    const { findings } = await lintCase({ framework: 'golang-migrate', files: golangMood, options: noFallback });
    expect(findings.map((f) => f.ruleId)).toContain('engine-unsupported');
    expect(findings.filter((f) => f.severity === 2).map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  });

  it('the same migration gets no finding at all with the default fallback to PGlite', async () => {
    const { findings } = await lintCase({ framework: 'golang-migrate', files: golangMood });
    expect(findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  });
});

describe('an extension no engine here has', () => {
  it('is named, with the engine to use instead', async () => {
    const files = {
      '001_places.up.sql': 'CREATE EXTENSION IF NOT EXISTS postgis;\nCREATE TABLE IF NOT EXISTS places (id int);\n',
      '001_places.down.sql': 'DROP TABLE IF EXISTS places;\n',
    };
    const { findings } = await lintCase({ framework: 'golang-migrate', files });
    expect(findings.map((f) => `${f.ruleId}@${f.line}: ${f.message}`)).toEqual([
      'engine-unsupported@1: could not confirm on PGlite: extension postgis is not available; use --engine postgres (the up check was not done)',
    ]);
  });

  it("keeps pg-mem's findings that PGlite could not confirm, and says so", async () => {
    const { default: rule } = await import('./engine-unsupported.js');
    const reported: { messageId: string; data?: Record<string, unknown> }[] = [];
    const loc = { file: 'm.sql', line: 1, column: 1 };
    rule.check({
      model: { up: loc } as never,
      result: {
        engine: 'pg-mem',
        steps: [{ step: 'up-again', ok: false, error: { message: 'relation "places" already exists' } }],
        unconfirmed: { engine: 'pglite', message: 'extension "postgis" is not available' },
      } as never,
      report: (finding: { messageId: string; data?: Record<string, unknown> }) => void reported.push(finding),
    } as never);
    expect(reported).toEqual([
      expect.objectContaining({ messageId: 'unconfirmed', data: { engine: 'PGlite', reason: 'extension postgis is not available', first: 'pg-mem' } }),
    ]);
  });
});
