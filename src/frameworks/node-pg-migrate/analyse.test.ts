import { describe, expect, it } from 'vitest';
import { analyseNodePgMigrateSource, analyseNodePgMigrateSqlFile } from './analyse.js';

type Expected = { kind: string; target?: string; guarded: boolean; line: number; direction?: 'up' | 'down' };

interface Case {
  name: string;
  file?: string;
  code: string;
  operations?: Expected[];
  down?: { status: string; empty?: boolean; line?: number; reason?: RegExp };
  transactional?: boolean;
}

const cases: Case[] = [
  {
    name: 'TS with MigrationBuilder: guard options read per operation',
    code: `import type { MigrationBuilder } from 'node-pg-migrate';

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id', email: { type: 'text', notNull: true } }, { ifNotExists: true });
  pgm.addColumns('users', { nickname: { type: 'varchar(40)' } }, { ifNotExists: true });
  pgm.createIndex('users', 'email', { unique: true, ifNotExists: true });
  pgm.createExtension('citext', { ifNotExists: true });
  pgm.createSchema('billing', { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('users', 'email', { ifExists: true });
  pgm.dropColumns('users', ['nickname'], { ifExists: true });
  pgm.dropConstraint('users', 'users_email_key', { ifExists: true });
  pgm.dropTable('users', { ifExists: true });
}
`,
    operations: [
      { kind: 'pgm.createTable', target: 'users', guarded: true, line: 4, direction: 'up' },
      { kind: 'pgm.addColumns', target: 'users.nickname', guarded: true, line: 5, direction: 'up' },
      { kind: 'pgm.createIndex', target: 'users', guarded: true, line: 6, direction: 'up' },
      { kind: 'pgm.createExtension', target: 'citext', guarded: true, line: 7, direction: 'up' },
      { kind: 'pgm.createSchema', target: 'billing', guarded: true, line: 8, direction: 'up' },
      { kind: 'pgm.dropIndex', target: 'users', guarded: true, line: 12, direction: 'down' },
      { kind: 'pgm.dropColumns', target: 'users.nickname', guarded: true, line: 13, direction: 'down' },
      { kind: 'pgm.dropConstraint', target: 'users', guarded: true, line: 14, direction: 'down' },
      { kind: 'pgm.dropTable', target: 'users', guarded: true, line: 15, direction: 'down' },
    ],
    down: { status: 'present', empty: false, line: 11 },
  },
  {
    name: 'CJS without guard options, and ifNotExists: false',
    file: 'm.js',
    code: `exports.up = (pgm) => {
  pgm.createTable({ schema: 'app', name: 'orders' }, { id: 'id' });
  pgm.addColumn('orders', { total: 'numeric' });
  pgm.createIndex('orders', 'total', { ifNotExists: false });
};
exports.down = (pgm) => {
  pgm.dropTable({ schema: 'app', name: 'orders' });
};
`,
    operations: [
      { kind: 'pgm.createTable', target: 'app.orders', guarded: false, line: 2 },
      { kind: 'pgm.addColumn', target: 'orders.total', guarded: false, line: 3 },
      { kind: 'pgm.createIndex', target: 'orders', guarded: false, line: 4 },
      { kind: 'pgm.dropTable', target: 'app.orders', guarded: false, line: 7 },
    ],
  },
  {
    name: 'createType is guarded only by an earlier dropType with ifExists',
    file: 'm.js',
    code: `exports.up = (pgm) => {
  pgm.createType('order_status', ['pending', 'paid']);
  pgm.dropType('mood', { ifExists: true });
  pgm.createType('mood', ['sad', 'happy']);
};
exports.down = (pgm) => {
  pgm.dropType('mood', { ifExists: true });
  pgm.dropType('order_status');
};
`,
    operations: [
      { kind: 'pgm.createType', target: 'order_status', guarded: false, line: 2 },
      { kind: 'pgm.dropType', target: 'mood', guarded: true, line: 3 },
      { kind: 'pgm.createType', target: 'mood', guarded: true, line: 4 },
      { kind: 'pgm.dropType', target: 'mood', guarded: true, line: 7 },
      { kind: 'pgm.dropType', target: 'order_status', guarded: false, line: 8 },
    ],
  },
  {
    name: 'exports.down = false is disabled',
    file: 'm.js',
    code: `exports.up = (pgm) => { pgm.createTable('users', { id: 'id' }, { ifNotExists: true }); };
exports.down = false;
`,
    down: { status: 'disabled', line: 2 },
  },
  {
    name: 'export const down = false is disabled',
    code: `export const up = (pgm) => { pgm.createTable('users', { id: 'id' }, { ifNotExists: true }); };
export const down = false;
`,
    down: { status: 'disabled', line: 2 },
  },
  {
    name: 'omitted down with only reversible operations is automatic',
    file: 'm.js',
    code: `exports.up = (pgm) => {
  pgm.noTransaction();
  pgm.createTable('users', { id: 'id' }, { ifNotExists: true });
  pgm.addConstraint('users', 'users_id_positive', { check: 'id > 0' });
  pgm.createIndex('users', 'id', { concurrently: true, ifNotExists: true });
};
`,
    down: { status: 'automatic', empty: false },
    transactional: false,
  },
  {
    name: 'omitted down after pgm.dropTable is not derivable, naming the call and line',
    file: 'm.js',
    code: `exports.up = (pgm) => {
  pgm.createTable('users', { id: 'id' }, { ifNotExists: true });
  pgm.dropTable('legacy_users', { ifExists: true });
};
`,
    down: { status: 'not-derivable', reason: /pgm\.dropTable\(\) on line 3/ },
  },
  {
    name: 'omitted down after an unnamed or raw-SQL addConstraint is not derivable',
    code: `export function up(pgm) {
  pgm.addConstraint('users', 'users_email_key', 'UNIQUE (email)');
}
`,
    down: { status: 'not-derivable', reason: /addConstraint\(\) with a raw SQL expression on line 2/ },
  },
  {
    name: 'module.exports = { up, down } with an empty down, builder under another name',
    file: 'm.cjs',
    code: `module.exports = {
  up(db) {
    db.createTable('users', { id: 'id' });
  },
  down() {},
};
`,
    operations: [{ kind: 'pgm.createTable', target: 'users', guarded: false, line: 3 }],
    down: { status: 'present', empty: true, line: 5 },
  },
  {
    name: 'createView and createFunction are guarded by replace: true',
    code: `export function up(pgm) {
  pgm.createView('active_users', { replace: true }, 'SELECT * FROM users WHERE active');
  pgm.createFunction('touch', [], { returns: 'trigger', language: 'plpgsql', replace: true }, 'BEGIN RETURN NEW; END');
  pgm.createFunction('untouched', [], { returns: 'trigger', language: 'plpgsql' }, 'BEGIN RETURN NEW; END');
}
export function down(pgm) {
  pgm.dropFunction('untouched', [], { ifExists: true });
  pgm.dropFunction('touch', [], { ifExists: true });
  pgm.dropView('active_users', { ifExists: true });
}
`,
    operations: [
      { kind: 'pgm.createView', target: 'active_users', guarded: true, line: 2 },
      { kind: 'pgm.createFunction', target: 'touch', guarded: true, line: 3 },
      { kind: 'pgm.createFunction', target: 'untouched', guarded: false, line: 4 },
      { kind: 'pgm.dropFunction', target: 'untouched', guarded: true, line: 7 },
      { kind: 'pgm.dropFunction', target: 'touch', guarded: true, line: 8 },
      { kind: 'pgm.dropView', target: 'active_users', guarded: true, line: 9 },
    ],
  },
];

describe('analyseNodePgMigrateSource', () => {
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const model = await analyseNodePgMigrateSource(testCase.code, testCase.file ?? 'migration.ts');
      expect(model.parseError).toBeUndefined();
      if (testCase.operations) {
        const operations = model.operations.map((o) => ({ kind: o.kind, target: o.target, guarded: o.guarded, line: o.loc.line, direction: o.direction }));
        expect(operations).toEqual(testCase.operations.map((o) => expect.objectContaining(o)));
      }
      if (testCase.down) {
        const { status, empty, line, reason } = testCase.down;
        expect(model.down.status).toBe(status);
        if (empty !== undefined) expect(model.down.empty).toBe(empty);
        if (line !== undefined) expect(model.down.loc.line).toBe(line);
        if (reason) expect(model.down.reason).toMatch(reason);
      }
      if (testCase.transactional !== undefined) expect(model.transactional).toBe(testCase.transactional);
    });
  }

  it('reads pgm.sql at its real position, with the SQL reader deciding the guard', async () => {
    const model = await analyseNodePgMigrateSource(`exports.up = (pgm) => {
  pgm.sql(\`
    CREATE OR REPLACE VIEW order_totals AS SELECT 1;
    CREATE TABLE audit_log (id serial PRIMARY KEY);
  \`);
};
exports.down = (pgm) => {
  pgm.sql('DROP VIEW IF EXISTS order_totals');
};
`, 'm.js');
    const createTable = model.operations.find((o) => o.kind === 'CREATE TABLE');
    expect(createTable).toMatchObject({ direction: 'up', guarded: false, loc: { line: 4, column: 5 } });
    const dropView = model.operations.find((o) => o.kind === 'DROP VIEW');
    expect(dropView).toMatchObject({ direction: 'down', guarded: true, loc: { line: 8 } });
    expect(model.down.status).toBe('present');
  });

  it('reports a syntax error with its position', async () => {
    const model = await analyseNodePgMigrateSource(`exports.up = (pgm) => {
  pgm.createTable('users', { id: 'id' }, { ifNotExists: true };
};
`, 'm.js');
    expect(model.parseError?.loc.line).toBe(2);
  });
});

describe('analyseNodePgMigrateSqlFile', () => {
  it('splits the up and down sections at their markers, as node-pg-migrate does', async () => {
    const model = await analyseNodePgMigrateSqlFile(`-- Up Migration
CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY);
CREATE INDEX users_id_idx ON users (id);

-- Down Migration
DROP TABLE users;
`, 'm.sql');
    expect(model.operations.map((o) => [o.direction, o.guarded, o.loc.line])).toEqual([
      ['up', true, 2],
      ['up', false, 3],
      ['down', false, 6],
    ]);
    expect(model.down).toMatchObject({ status: 'present', empty: false, loc: { line: 5 } });
  });

  it('a .sql migration without a down section cannot be rolled back', async () => {
    const model = await analyseNodePgMigrateSqlFile('-- Up Migration\nSELECT 1;\n', 'm.sql');
    expect(model.down.status).toBe('disabled');
  });
});
