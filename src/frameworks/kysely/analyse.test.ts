import { describe, expect, it } from 'vitest';
import { analyseKyselySource } from './analyse.js';
import { needsNoTransaction, statementStart } from './run.js';

type Expected = { kind: string; target?: string; guarded: boolean; line: number; direction?: 'up' | 'down' };

async function operations(code: string, file = 'migration.ts') {
  const model = await analyseKyselySource(code, file);
  expect(model.parseError).toBeUndefined();
  return model.operations.map((o) => ({ kind: o.kind, target: o.target, guarded: o.guarded, line: o.loc.line, direction: o.direction }));
}

const cases: { name: string; code: string; operations: Expected[] }[] = [
  {
    name: 'guard calls in the chain: ifNotExists, ifExists, orReplace; each chained call placed on its own line',
    code: `export async function up(db) {
  await db.schema
    .createTable('users')
    .ifNotExists()
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .execute();
  await db.schema.createIndex('users_email_idx').on('users').column('email').execute();
  await db.schema.createView('emails').orReplace().as(db.selectFrom('users').select('email')).execute();
  await db.schema.withSchema('audit').createTable('events').execute();
}
export async function down(db) {
  await db.schema.dropView('emails').ifExists().execute();
  await db.schema.dropIndex('users_email_idx').execute();
  await db.schema.dropTable('users').ifExists().execute();
}
`,
    operations: [
      { kind: 'db.schema.createTable', target: 'users', guarded: true, line: 3, direction: 'up' },
      { kind: 'db.schema.createIndex', target: 'users_email_idx', guarded: false, line: 7, direction: 'up' },
      { kind: 'db.schema.createView', target: 'emails', guarded: true, line: 8, direction: 'up' },
      { kind: 'db.schema.createTable', target: 'audit.events', guarded: false, line: 9, direction: 'up' },
      { kind: 'db.schema.dropView', target: 'emails', guarded: true, line: 12, direction: 'down' },
      { kind: 'db.schema.dropIndex', target: 'users_email_idx', guarded: false, line: 13, direction: 'down' },
      { kind: 'db.schema.dropTable', target: 'users', guarded: true, line: 14, direction: 'down' },
    ],
  },
  {
    name: 'alterTable: one operation per column or constraint, guards in the column callbacks; alterColumn re-runs harmlessly',
    code: `export async function up(db) {
  await db.schema
    .alterTable('users')
    .addColumn('nickname', 'text')
    .addColumn('bio', 'text', (col) => col.ifNotExists())
    .alterColumn('email', (col) => col.setNotNull())
    .addUniqueConstraint('users_nickname_key', ['nickname'])
    .execute();
}
export async function down(db) {
  await db.schema.alterTable('users').dropConstraint('users_nickname_key').ifExists().execute();
  await db.schema.alterTable('users').dropColumn('bio', (col) => col.ifExists()).dropColumn('nickname').execute();
}
`,
    operations: [
      { kind: 'alterTable.addColumn', target: 'users.nickname', guarded: false, line: 4 },
      { kind: 'alterTable.addColumn', target: 'users.bio', guarded: true, line: 5 },
      { kind: 'alterTable.addUniqueConstraint', target: 'users.users_nickname_key', guarded: false, line: 7 },
      { kind: 'alterTable.dropConstraint', target: 'users.users_nickname_key', guarded: true, line: 11 },
      { kind: 'alterTable.dropColumn', target: 'users.bio', guarded: true, line: 12 },
      { kind: 'alterTable.dropColumn', target: 'users.nickname', guarded: false, line: 12 },
    ],
  },
  {
    name: 'only executed chains run: compile() and a discarded builder do nothing; a builder kept and executed later does',
    code: `export async function up(db) {
  const preview = db.schema.createTable('a').compile();
  db.schema.createTable('b');
  const later = db.schema.createTable('c').addColumn('id', 'serial');
  await later.execute();
}
`,
    operations: [{ kind: 'db.schema.createTable', target: 'c', guarded: false, line: 4 }],
  },
  {
    name: 'existence checks: introspection lookups, early returns and project helpers named like checks',
    code: `async function columnExists(db, table, column) { return false; }
export async function up(db) {
  const tables = await db.introspection.getTables();
  if (!tables.some((t) => t.name === 'teams')) {
    await db.schema.createTable('teams').execute();
  }
  if (!(await columnExists(db, 'users', 'team_id'))) {
    await db.schema.alterTable('users').addColumn('team_id', 'integer').execute();
  }
  if (!(await columnExists(db, 'users', 'other'))) {
    await db.schema.alterTable('users').addColumn('role', 'text').execute();
  }
  if (tables.find((t) => t.name === 'legacy')) return;
  await db.schema.createTable('legacy').execute();
}
`,
    operations: [
      { kind: 'db.schema.createTable', target: 'teams', guarded: true, line: 5 },
      { kind: 'alterTable.addColumn', target: 'users.team_id', guarded: true, line: 8 },
      { kind: 'alterTable.addColumn', target: 'users.role', guarded: false, line: 11 },
      { kind: 'db.schema.createTable', target: 'legacy', guarded: true, line: 14 },
    ],
  },
  {
    name: 'createType: no guarded form, but a dropType(…).ifExists() before it makes it repeatable; alterType addValue ifNotExists is none',
    code: `export async function up(db) {
  await db.schema.createType('mood').asEnum(['a']).execute();
  await db.schema.dropType('status').ifExists().execute();
  await db.schema.createType('status').asEnum(['on', 'off']).execute();
  await db.schema.alterType('mood').addValue('b').ifNotExists().execute();
  await db.schema.alterType('mood').renameValue('a', 'c').execute();
}
`,
    operations: [
      { kind: 'db.schema.createType', target: 'mood', guarded: false, line: 2 },
      { kind: 'db.schema.dropType', target: 'status', guarded: true, line: 3 },
      { kind: 'db.schema.createType', target: 'status', guarded: true, line: 4 },
      { kind: 'db.schema.alterType', target: 'mood', guarded: false, line: 6 },
    ],
  },
  {
    name: 'executed sql templates, sql.raw and CompiledQuery.raw go through the SQL rules; sql used as a value does not',
    code: `import { sql, CompiledQuery } from 'kysely';
export async function up(db) {
  await sql\`CREATE INDEX users_name_idx ON users (name)\`.execute(db);
  await sql.raw('CREATE TABLE IF NOT EXISTS t (id int)').execute(db);
  await db.executeQuery(CompiledQuery.raw('ALTER TABLE t ADD COLUMN x int'));
  await db.schema.alterTable('t').addColumn('y', 'timestamptz', (col) => col.ifNotExists().defaultTo(sql\`now()\`)).execute();
}
`,
    operations: [
      { kind: 'CREATE INDEX', guarded: false, line: 3 },
      { kind: 'CREATE TABLE', guarded: true, line: 4 },
      { kind: 'ALTER TABLE ADD COLUMN', target: 't.x', guarded: false, line: 5 },
      { kind: 'alterTable.addColumn', target: 't.y', guarded: true, line: 6 },
    ],
  },
];

describe('analyseKyselySource', () => {
  for (const testCase of cases) {
    it(testCase.name, async () => {
      expect(await operations(testCase.code)).toEqual(testCase.operations.map((o) => expect.objectContaining(o)));
    });
  }

  it('reads the down: missing, empty, present in a default-exported object', async () => {
    expect((await analyseKyselySource('export async function up(db) {}\n', 'm.ts')).down).toMatchObject({ status: 'missing', loc: { line: 1 } });
    const empty = await analyseKyselySource('export async function up(db) {}\nexport async function down(db) {\n  // nothing\n}\n', 'm.ts');
    expect(empty.down).toMatchObject({ status: 'present', empty: true, loc: { line: 2 } });
    const object = await analyseKyselySource(
      "export default {\n  async up(db) {},\n  async down(db) { await db.schema.dropTable('t').ifExists().execute(); },\n};\n",
      'm.ts',
    );
    expect(object.down).toMatchObject({ status: 'present', empty: false, loc: { line: 3 } });
    expect(object.operations).toEqual([expect.objectContaining({ kind: 'db.schema.dropTable', guarded: true, direction: 'down' })]);
  });

  it('a statement that cannot run in a transaction makes the migration non-transactional', async () => {
    const model = await analyseKyselySource(
      "import { sql } from 'kysely';\nexport async function up(db) {\n  await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x)`.execute(db);\n}\n",
      'm.ts',
    );
    expect(model.transactional).toBe(false);
  });

  it('reports a syntax error with its line', async () => {
    const model = await analyseKyselySource("export async function up(db) {\n  await db.schema.createTable('t'.execute();\n}\n", 'broken.ts');
    expect(model.parseError).toMatchObject({ loc: { line: 2 } });
    expect(model.operations).toEqual([]);
  });
});

describe('statementStart (where a runtime failure is placed)', () => {
  const source = `export async function up(db) {
  await db.schema
    .createTable('users')
    .addColumn('created_at', 'timestamp', (col) =>
      col.notNull().defaultTo(db.fn('now', []))
    )
    .execute();
  await db.schema.alterTable('users')
    .addColumn('x', 'text')
    .execute();
  await sql\`select (1)\`.execute(db);
}
`;
  const at = (line: number, column: number) => statementStart({ file: 'm.ts', line, column }, source);
  it('walks an .execute() back over its chain, multi-line arguments included, to where the static reader puts the statement', () => {
    expect(at(7, 6)).toEqual({ file: 'm.ts', line: 3, column: 6 });
    expect(at(10, 6)).toEqual({ file: 'm.ts', line: 8, column: 9 });
    expect(at(11, 24)).toEqual({ file: 'm.ts', line: 11, column: 9 });
  });
});

describe('guards suggested in Kysely terms', () => {
  it('a rename is guarded by the introspection lookup its fix suggests', async () => {
    const rename = "await db.schema.alterTable('users').renameColumn('manual_otp', 'otp').execute();";
    const [unguarded] = (await analyseKyselySource(`export async function up(db) {\n  ${rename}\n}\n`, 'm.ts')).operations;
    expect(unguarded).toMatchObject({ guarded: false });
    const condition = /`if \((.*)\) \{ … \}`/.exec(unguarded.fix ?? '')?.[1];
    expect(condition).toBeDefined();
    const [guarded] = (await analyseKyselySource(`export async function up(db) {\n  if (${condition}) {\n    ${rename}\n  }\n}\n`, 'm.ts')).operations;
    expect(guarded).toMatchObject({ kind: 'alterTable.renameColumn', guarded: true });
  });
});

describe('needsNoTransaction (the runner mirrors a Migrator with disableTransactions)', () => {
  it('is true for statements Postgres refuses in a transaction block, false for the rest', () => {
    expect(needsNoTransaction('await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x)`.execute(db);')).toBe(true);
    expect(needsNoTransaction("await sql`DROP INDEX CONCURRENTLY IF EXISTS i`.execute(db);")).toBe(true);
    expect(needsNoTransaction('await sql`VACUUM ANALYZE orders`.execute(db);')).toBe(true);
    expect(needsNoTransaction("await db.schema.refreshMaterializedView('totals').concurrently().execute();")).toBe(false);
    expect(needsNoTransaction("await db.schema.createIndex('i').ifNotExists().on('t').column('x').execute();")).toBe(false);
  });
});
