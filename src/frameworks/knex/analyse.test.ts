import { describe, expect, it } from 'vitest';
import { analyseKnexSource } from './analyse.js';

/** The parts of an operation a case pins down. */
type Expected = { kind: string; target?: string; guarded: boolean; line: number; direction?: 'up' | 'down' };

interface Case {
  name: string;
  file?: string;
  code: string;
  operations?: Expected[];
  down?: { status: string; empty?: boolean; line?: number };
  transactional?: boolean;
}

async function summary(code: string, file = 'migration.ts') {
  const model = await analyseKnexSource(code, file);
  return {
    model,
    operations: model.operations.map((o) => ({ kind: o.kind, target: o.target, guarded: o.guarded, line: o.loc.line, direction: o.direction })),
  };
}

const cases: Case[] = [
  {
    name: 'ESM TS: unguarded createTable, guarded dropTableIfExists down',
    code: `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.increments('id');
    table.string('email').notNullable().unique();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
    operations: [
      { kind: 'knex.schema.createTable', target: 'users', guarded: false, line: 4, direction: 'up' },
      { kind: 'knex.schema.dropTableIfExists', target: 'users', guarded: true, line: 11, direction: 'down' },
    ],
    down: { status: 'present', empty: false, line: 10 },
  },
  {
    name: 'ESM arrow consts with a negated hasTable check',
    file: 'migration.mjs',
    code: `export const up = async (knex) => {
  if (!(await knex.schema.hasTable('users'))) {
    await knex.schema.createTable('users', (t) => {
      t.increments('id');
    });
  }
};

export const down = async (knex) => {
  await knex.schema.dropTable('users');
};
`,
    operations: [
      { kind: 'knex.schema.createTable', target: 'users', guarded: true, line: 3, direction: 'up' },
      { kind: 'knex.schema.dropTable', target: 'users', guarded: false, line: 10, direction: 'down' },
    ],
  },
  {
    name: 'hasTable(...) === false, and a check on another table does not count',
    code: `export async function up(knex) {
  if (await knex.schema.hasTable('users') === false) {
    await knex.schema.createTable('users', (t) => t.increments());
  }
  if (!(await knex.schema.hasTable('users'))) {
    await knex.schema.createTable('orders', (t) => t.increments());
  }
}
export async function down(knex) {
  if (await knex.schema.hasTable('orders')) await knex.schema.dropTable('orders');
  await knex.schema.dropTableIfExists('users');
}
`,
    operations: [
      { kind: 'knex.schema.createTable', target: 'users', guarded: true, line: 3 },
      { kind: 'knex.schema.createTable', target: 'orders', guarded: false, line: 6 },
      { kind: 'knex.schema.dropTable', target: 'orders', guarded: true, line: 10 },
      { kind: 'knex.schema.dropTableIfExists', target: 'users', guarded: true, line: 11 },
    ],
  },
  {
    name: 'hasTable(...).then((exists) => { if (!exists) ... }) in a returned promise chain (CJS)',
    file: 'migration.js',
    code: `exports.up = function (knex) {
  return knex.schema.hasTable('users').then((exists) => {
    if (!exists) {
      return knex.schema.createTable('users', (t) => {
        t.increments('id');
      });
    }
  });
};

exports.down = function (knex) {
  return knex.schema.dropTableIfExists('users');
};
`,
    operations: [
      { kind: 'knex.schema.createTable', target: 'users', guarded: true, line: 4 },
      { kind: 'knex.schema.dropTableIfExists', target: 'users', guarded: true, line: 12 },
    ],
    down: { status: 'present', empty: false, line: 11 },
  },
  {
    name: 'an early return when the table is already there guards what follows',
    code: `export async function up(knex) {
  if (await knex.schema.hasTable('users')) return;
  await knex.schema.createTable('users', (t) => t.increments());
}
export async function down(knex) {
  await knex.schema.dropTableIfExists('users');
}
`,
    operations: [
      { kind: 'knex.schema.createTable', target: 'users', guarded: true, line: 3 },
      { kind: 'knex.schema.dropTableIfExists', target: 'users', guarded: true, line: 6 },
    ],
  },
  {
    name: 'the check held in a const',
    code: `export async function up(knex) {
  const exists = await knex.schema.hasTable('users');
  if (!exists) await knex.schema.createTable('users', (t) => t.increments());
}
export async function down(knex) { await knex.schema.dropTableIfExists('users'); }
`,
    operations: [
      { kind: 'knex.schema.createTable', target: 'users', guarded: true, line: 3 },
      { kind: 'knex.schema.dropTableIfExists', target: 'users', guarded: true, line: 5 },
    ],
  },
  {
    name: 'a chain of createTable calls and .then chains: each call at its own line',
    file: 'migration.js',
    code: `exports.up = function (knex) {
  return knex.schema
    .createTable('organisations', (t) => t.increments())
    .createTable('users', (t) => t.increments())
    .then(() => knex.schema.withSchema('audit').createTable('events', (t) => t.increments()));
};
exports.down = (knex) => knex.schema.dropTableIfExists('users').dropTableIfExists('organisations');
`,
    operations: [
      { kind: 'knex.schema.createTable', target: 'organisations', guarded: false, line: 3, direction: 'up' },
      { kind: 'knex.schema.createTable', target: 'users', guarded: false, line: 4, direction: 'up' },
      { kind: 'knex.schema.createTable', target: 'audit.events', guarded: false, line: 5, direction: 'up' },
      { kind: 'knex.schema.dropTableIfExists', target: 'users', guarded: true, line: 7, direction: 'down' },
      { kind: 'knex.schema.dropTableIfExists', target: 'organisations', guarded: true, line: 7, direction: 'down' },
    ],
  },
  {
    name: 'builder calls that emit their own guard',
    code: `export async function up(knex) {
  await knex.schema.createSchemaIfNotExists('billing');
  await knex.schema.createTableIfNotExists('plans', (t) => t.increments());
  await knex.schema.createViewOrReplace('plan_names', (view) => view.as(knex('plans').select('id')));
  await knex.schema.createExtensionIfNotExists('citext');
}
export async function down(knex) {
  await knex.schema.dropViewIfExists('plan_names');
  await knex.schema.dropMaterializedViewIfExists('plan_totals');
  await knex.schema.dropTableIfExists('plans');
  await knex.schema.dropSchemaIfExists('billing');
}
`,
    operations: [
      { kind: 'knex.schema.createSchemaIfNotExists', target: 'billing', guarded: true, line: 2 },
      { kind: 'knex.schema.createTableIfNotExists', target: 'plans', guarded: true, line: 3 },
      { kind: 'knex.schema.createViewOrReplace', target: 'plan_names', guarded: true, line: 4 },
      { kind: 'knex.schema.createExtensionIfNotExists', target: 'citext', guarded: true, line: 5 },
      { kind: 'knex.schema.dropViewIfExists', target: 'plan_names', guarded: true, line: 8 },
      { kind: 'knex.schema.dropMaterializedViewIfExists', target: 'plan_totals', guarded: true, line: 9 },
      { kind: 'knex.schema.dropTableIfExists', target: 'plans', guarded: true, line: 10 },
      { kind: 'knex.schema.dropSchemaIfExists', target: 'billing', guarded: true, line: 11 },
    ],
  },
  {
    name: 'createView, createSchema and renameTable need guards',
    code: `export async function up(knex) {
  await knex.schema.createSchema('billing');
  await knex.schema.createView('plan_names', (view) => view.as(knex('plans').select('id')));
  await knex.schema.renameTable('plan', 'plans');
}
export async function down(knex) {
  if (await knex.schema.hasTable('plans')) await knex.schema.renameTable('plans', 'plan');
}
`,
    operations: [
      { kind: 'knex.schema.createSchema', target: 'billing', guarded: false, line: 2 },
      { kind: 'knex.schema.createView', target: 'plan_names', guarded: false, line: 3 },
      { kind: 'knex.schema.renameTable', target: 'plan', guarded: false, line: 4 },
      { kind: 'knex.schema.renameTable', target: 'plans', guarded: true, line: 7 },
    ],
  },
  {
    name: 'alterTable: each column, index and foreign key is its own operation; .alter() is none',
    code: `export async function up(knex) {
  await knex.schema.alterTable('users', (table) => {
    table.string('nickname', 40);
    table.integer('organisation_id').references('id').inTable('organisations');
    table.index(['email'], 'users_email_idx');
    table.foreign('manager_id').references('users.id');
    table.text('bio').alter();
    table.renameColumn('name', 'full_name');
  });
}
export async function down(knex) {
  await knex.schema.table('users', (table) => {
    table.dropColumn('nickname');
    table.dropForeign('organisation_id');
  });
}
`,
    operations: [
      { kind: 'table.string', target: 'users.nickname', guarded: false, line: 3, direction: 'up' },
      { kind: 'table.integer', target: 'users.organisation_id', guarded: false, line: 4, direction: 'up' },
      { kind: 'table.index', target: 'users', guarded: false, line: 5, direction: 'up' },
      { kind: 'table.foreign', target: 'users.manager_id', guarded: false, line: 6, direction: 'up' },
      { kind: 'table.renameColumn', target: 'users.name', guarded: false, line: 8, direction: 'up' },
      { kind: 'table.dropColumn', target: 'users.nickname', guarded: false, line: 13, direction: 'down' },
      { kind: 'table.dropForeign', target: 'users', guarded: false, line: 14, direction: 'down' },
    ],
  },
  {
    name: 'alterTable inside fitting hasColumn checks',
    code: `export async function up(knex) {
  if (!(await knex.schema.hasColumn('users', 'nickname'))) {
    await knex.schema.alterTable('users', (table) => {
      table.string('nickname');
      table.index('nickname');
    });
  }
}
export async function down(knex) {
  if (await knex.schema.hasColumn('users', 'nickname')) {
    await knex.schema.alterTable('users', (table) => table.dropColumn('nickname'));
  }
  if (await knex.schema.hasColumn('users', 'bio')) {
    await knex.schema.alterTable('users', (table) => table.dropColumn('nickname'));
  }
}
`,
    operations: [
      { kind: 'table.string', target: 'users.nickname', guarded: true, line: 4 },
      { kind: 'table.index', target: 'users.nickname', guarded: true, line: 5 },
      { kind: 'table.dropColumn', target: 'users.nickname', guarded: true, line: 11 },
      { kind: 'table.dropColumn', target: 'users.nickname', guarded: false, line: 14 },
    ],
  },
  {
    name: 'module.exports = { up, down } with local functions and a CJS config',
    file: 'migration.cjs',
    code: `async function up(knex) {
  await knex.schema.createTable('users', (t) => t.increments());
}

async function down() {}

module.exports = { up, down, config: { transaction: false } };
`,
    operations: [{ kind: 'knex.schema.createTable', target: 'users', guarded: false, line: 2 }],
    down: { status: 'present', empty: true, line: 7 },
    transactional: false,
  },
  {
    name: 'no down export',
    file: 'migration.js',
    code: `exports.up = (knex) => knex.schema.createTable('users', (t) => t.increments());
`,
    down: { status: 'missing', empty: false, line: 1 },
  },
  {
    name: 'downs that do nothing',
    code: `export async function up(knex) {}
export async function down(knex) {
  // cannot be undone
  return Promise.resolve();
}
`,
    down: { status: 'present', empty: true, line: 2 },
  },
  {
    name: 'arrow down returning nothing',
    file: 'migration.js',
    code: `exports.up = async () => {};
exports.down = () => Promise.resolve();
`,
    down: { status: 'present', empty: true, line: 2 },
  },
  {
    name: 'ESM config disables the transaction',
    code: `export const config = { transaction: false };
export async function up(knex) {}
export async function down(knex) {}
`,
    transactional: false,
  },
  {
    name: 'a down with work in it is not empty',
    file: 'migration.js',
    code: `exports.up = async () => {};
exports.down = async (knex) => { await knex('users').del(); };
`,
    down: { status: 'present', empty: false, line: 2 },
    transactional: true,
  },
];

describe('analyseKnexSource', () => {
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const { model, operations } = await summary(testCase.code, testCase.file);
      expect(model.parseError).toBeUndefined();
      if (testCase.operations) {
        expect(operations).toEqual(testCase.operations.map((o) => expect.objectContaining(o)));
      }
      if (testCase.down) {
        expect(model.down).toMatchObject({
          status: testCase.down.status,
          ...(testCase.down.empty === undefined ? {} : { empty: testCase.down.empty }),
          ...(testCase.down.line === undefined ? {} : { loc: expect.objectContaining({ line: testCase.down.line }) }),
        });
      }
      if (testCase.transactional !== undefined) expect(model.transactional).toBe(testCase.transactional);
    });
  }

  it('reads SQL in knex.raw at its real position, placeholders standing in for substitutions', async () => {
    const { operations } = await summary(`export async function up(knex) {
  const table = 'users';
  await knex.raw(\`CREATE INDEX users_email_idx ON \${table} (email)\`);
  await knex.schema.raw('CREATE INDEX IF NOT EXISTS users_name_idx ON users (name)');
  await knex.schema.alterTable('users', (t) => t.timestamp('seen_at').defaultTo(knex.raw('now()')));
}
export async function down(knex) {}
`);
    expect(operations).toEqual([
      expect.objectContaining({ kind: 'CREATE INDEX', guarded: false, line: 3 }),
      expect.objectContaining({ kind: 'CREATE INDEX', guarded: true, line: 4 }),
      expect.objectContaining({ kind: 'table.timestamp', target: 'users.seen_at', line: 5 }),
    ]);
  });

  it('a statement that cannot run in a transaction makes the migration non-transactional', async () => {
    const { model } = await summary(`export async function up(knex) {
  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email)');
}
export async function down(knex) {}
`);
    expect(model.transactional).toBe(false);
  });

  it('reports a syntax error with its line and column, and nothing else', async () => {
    const model = await analyseKnexSource(`export async function up(knex) {
  await knex.schema.createTable('users', (t) => {
    t.increments('id'
  });
}
`, 'broken.ts');
    expect(model.parseError).toMatchObject({ loc: { file: 'broken.ts', line: 4 } });
    expect(model.operations).toEqual([]);
  });

  it('collects rollsafe directives', async () => {
    const model = await analyseKnexSource(`export async function up(knex) {
  // rollsafe-disable-next-line require-guard -- created by the platform team's bootstrap
  await knex.schema.createTable('users', (t) => t.increments());
}
export async function down(knex) { await knex.schema.dropTableIfExists('users'); }
`, 'm.ts');
    expect(model.directives).toEqual([
      expect.objectContaining({ kind: 'disable-next-line', rules: ['require-guard'], appliesToLine: 3 }),
    ]);
  });
});
