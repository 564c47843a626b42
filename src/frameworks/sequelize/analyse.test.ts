import { describe, expect, it } from 'vitest';
import { analyseSequelizeSource } from './analyse.js';

async function operations(code: string, file = 'migration.cjs') {
  const model = await analyseSequelizeSource(code, file);
  return model.operations.map((o) => ({ kind: o.kind, target: o.target, guarded: o.guarded, line: o.loc.line, direction: o.direction }));
}

const cli = (up: string, down = "await queryInterface.dropTable('x');") => `'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
${up}
  },
  async down(queryInterface, Sequelize) {
${down}
  },
};
`;

describe('analyseSequelizeSource: what Sequelize 6 guards itself on Postgres', () => {
  it('createTable, dropTable and removeIndex write IF [NOT] EXISTS: guarded; addColumn, addIndex, addConstraint do not', async () => {
    const ops = await operations(
      cli(
        `    await queryInterface.createTable('users', { id: Sequelize.INTEGER });
    await queryInterface.addColumn('users', 'email', Sequelize.STRING);
    await queryInterface.addIndex('users', ['email']);
    await queryInterface.addConstraint('users', { fields: ['email'], type: 'unique' });
    await queryInterface.changeColumn('users', 'email', { type: Sequelize.TEXT });`,
        `    await queryInterface.removeIndex('users', 'users_email');
    await queryInterface.removeColumn('users', 'email');
    await queryInterface.dropTable('users');`,
      ),
    );
    expect(ops).toEqual([
      { kind: 'queryInterface.createTable', target: 'users', guarded: true, line: 4, direction: 'up' },
      { kind: 'queryInterface.addColumn', target: 'users.email', guarded: false, line: 5, direction: 'up' },
      { kind: 'queryInterface.addIndex', target: 'users', guarded: false, line: 6, direction: 'up' },
      { kind: 'queryInterface.addConstraint', target: 'users', guarded: false, line: 7, direction: 'up' },
      { kind: 'queryInterface.removeIndex', target: 'users', guarded: true, line: 11, direction: 'down' },
      { kind: 'queryInterface.removeColumn', target: 'users.email', guarded: false, line: 12, direction: 'down' },
      { kind: 'queryInterface.dropTable', target: 'users', guarded: true, line: 13, direction: 'down' },
    ]);
  });

  it('createFunction is guarded only with { force: true } (CREATE OR REPLACE)', async () => {
    const ops = await operations(
      cli(`    await queryInterface.createFunction('f', [], 'integer', 'plpgsql', 'RETURN 1;', [], { force: true });
    await queryInterface.createFunction('g', [], 'integer', 'plpgsql', 'RETURN 1;');`),
    );
    expect(ops.filter((o) => o.direction === 'up').map((o) => o.guarded)).toEqual([true, false]);
  });
});

describe('analyseSequelizeSource: existence checks', () => {
  const guardedUp = async (up: string) => (await operations(cli(up))).filter((o) => o.direction === 'up').map((o) => [o.kind, o.guarded]);

  it('describeTable: property, element access, `in`, hasOwnProperty, Object.keys().includes, === undefined', async () => {
    for (const condition of [
      '!columns.locale',
      "!columns['locale']",
      "!('locale' in columns)",
      "!columns.hasOwnProperty('locale')",
      "!Object.prototype.hasOwnProperty.call(columns, 'locale')",
      "!Object.keys(columns).includes('locale')",
      'columns.locale === undefined',
    ]) {
      const up = `    const columns = await queryInterface.describeTable('users');
    if (${condition}) await queryInterface.addColumn('users', 'locale', Sequelize.STRING);`;
      expect(await guardedUp(up), condition).toEqual([['queryInterface.addColumn', true]]);
    }
  });

  it('a check with the wrong answer, column or table guards nothing', async () => {
    for (const [condition, table] of [
      ['columns.locale', 'users'],
      ['!columns.nickname', 'users'],
      ['!columns.locale', 'accounts'],
    ]) {
      const up = `    const columns = await queryInterface.describeTable('${table}');
    if (${condition}) await queryInterface.addColumn('users', 'locale', Sequelize.STRING);`;
      expect(await guardedUp(up), `${condition} on ${table}`).toEqual([['queryInterface.addColumn', false]]);
    }
  });

  it('tableExists and showAllTables, early returns, and an index on a table created under the same check', async () => {
    expect(
      await guardedUp(`    if (await queryInterface.tableExists('users')) return;
    await queryInterface.createTable('users', { id: Sequelize.INTEGER });
    await queryInterface.addIndex('users', ['id']);`),
    ).toEqual([
      ['queryInterface.createTable', true],
      ['queryInterface.addIndex', true],
    ]);
    expect(
      await guardedUp(`    const tables = await queryInterface.showAllTables();
    if (tables.indexOf('old_users') !== -1) {
      await queryInterface.renameTable('old_users', 'users');
    }`),
    ).toEqual([['queryInterface.renameTable', true]]);
  });

  it('umzug `{ context: queryInterface }` and a catalog query naming the table', async () => {
    const code = `import type { QueryInterface } from 'sequelize';
export const up = async ({ context: qi }: { context: QueryInterface }) => {
  const [rows] = await qi.sequelize.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'age'");
  if (rows.length === 0) await qi.addColumn('users', 'age', { type: 'integer' });
  await qi.removeColumn('accounts', 'age');
};
export const down = async ({ context }: { context: QueryInterface }) => {
  await context.removeColumn('users', 'age');
};
`;
    expect(await operations(code, 'm.ts')).toEqual([
      { kind: 'queryInterface.addColumn', target: 'users.age', guarded: true, line: 4, direction: 'up' },
      { kind: 'queryInterface.removeColumn', target: 'accounts.age', guarded: false, line: 5, direction: 'up' },
      { kind: 'queryInterface.removeColumn', target: 'users.age', guarded: false, line: 8, direction: 'down' },
    ]);
  });

  it('SQL in queryInterface.sequelize.query goes through the SQL rules, at its own line', async () => {
    const ops = await operations(
      cli(`    await queryInterface.sequelize.query('CREATE INDEX IF NOT EXISTS a ON users (id)');
    await queryInterface.sequelize.query(
      'ALTER TABLE users ADD COLUMN age integer',
    );`),
    );
    expect(ops.filter((o) => o.direction === 'up').map((o) => [o.guarded, o.line])).toEqual([
      [true, 4],
      [false, 6],
    ]);
  });
});

describe('analyseSequelizeSource: down and transactions', () => {
  it('a missing down, an empty down, a present down', async () => {
    const missing = await analyseSequelizeSource("module.exports = { async up(queryInterface) { await queryInterface.dropTable('a'); } };\n", 'm.cjs');
    expect(missing.down).toMatchObject({ status: 'missing', loc: { line: 1 } });
    const empty = await analyseSequelizeSource(cli("    await queryInterface.dropTable('a');", '    // nothing'), 'm.cjs');
    expect(empty.down).toMatchObject({ status: 'present', empty: true, loc: { line: 6 } });
    const present = await analyseSequelizeSource(cli("    await queryInterface.dropTable('a');"), 'm.cjs');
    expect(present.down).toMatchObject({ status: 'present', empty: false });
  });

  it('runs outside a transaction (as sequelize-cli) unless up opens one and hands it to every statement', async () => {
    const bare = await analyseSequelizeSource(cli("    await queryInterface.addColumn('a', 'b', Sequelize.STRING);"), 'm.cjs');
    expect(bare.transactional).toBe(false);
    const wrapped = await analyseSequelizeSource(
      cli(`    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.addColumn('a', 'b', Sequelize.STRING, { transaction });
      await queryInterface.sequelize.query('UPDATE a SET b = 1', { transaction });
    });`),
      'm.cjs',
    );
    expect(wrapped.transactional).toBe(true);
    const leaky = await analyseSequelizeSource(
      cli(`    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.addColumn('a', 'b', Sequelize.STRING, { transaction });
      await queryInterface.addColumn('a', 'c', Sequelize.STRING);
    });`),
      'm.cjs',
    );
    expect(leaky.transactional).toBe(false);
  });

  it('reports a syntax error alone', async () => {
    const model = await analyseSequelizeSource("module.exports = {\n  async up(queryInterface) {\n    await queryInterface.addColumn('a', 'b', {;\n  },\n};\n", 'm.cjs');
    expect(model.parseError?.loc.line).toBe(3);
    expect(model.operations).toEqual([]);
  });
});
