// Each rule on Sequelize migrations (sequelize-cli `up(queryInterface, Sequelize)` and umzug
// `up({ context })`), valid and invalid, through the whole pipeline.
import { ruleTester } from '../rule-tester.js';

const migration = (up: string, down?: string) => `'use strict';

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
${up}
  },${
    down === undefined
      ? ''
      : `

  async down(queryInterface, Sequelize) {
${down}
  },`
  }
};
`;

const createUsers = migration(
  `    await queryInterface.createTable('users', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      email: { type: Sequelize.STRING, allowNull: false },
    });`,
  `    await queryInterface.dropTable('users');`,
);
const first = { '20240101000000-create-users.cjs': createUsers };

// Line 6 is the first line of up's body, line 10 (or 11 for a two-line up) the first of down's.
const guardedLocale = migration(
  `    const columns = await queryInterface.describeTable('users');
    if (!columns.locale) await queryInterface.addColumn('users', 'locale', { type: Sequelize.STRING(10) });`,
  `    const columns = await queryInterface.describeTable('users');
    if (columns.locale) await queryInterface.removeColumn('users', 'locale');`,
);
const unguardedLocale = migration(
  `    await queryInterface.addColumn('users', 'locale', { type: Sequelize.STRING(10) });`,
  `    await queryInterface.removeColumn('users', 'locale');`,
);

ruleTester.run('require-down', {
  valid: [{ framework: 'sequelize', files: { ...first, '20240102000000-add-locale.cjs': guardedLocale } }],
  invalid: [
    {
      framework: 'sequelize',
      files: { '20240101000000-create-users.cjs': migration("    await queryInterface.createTable('users', { id: Sequelize.INTEGER });") },
      errors: [{ line: 1 }],
    },
  ],
});

ruleTester.run('no-empty-down', {
  valid: [{ framework: 'sequelize', files: first }],
  invalid: [
    {
      framework: 'sequelize',
      files: { '20240101000000-create-users.cjs': migration("    await queryInterface.createTable('users', { id: Sequelize.INTEGER });", '    // irreversible') },
      errors: [{ line: 9 }],
    },
  ],
});

ruleTester.run('require-guard', {
  valid: [
    { name: 'createTable and dropTable write IF [NOT] EXISTS themselves', framework: 'sequelize', files: first },
    { name: 'addColumn under a describeTable check', framework: 'sequelize', files: { ...first, '20240102000000-add-locale.cjs': guardedLocale } },
    {
      name: 'a directive with a reason',
      framework: 'sequelize',
      files: {
        ...first,
        '20240102000000-add-locale.cjs': migration(
          `    // rollsafe-disable-next-line require-guard -- the deploy script runs this once
    await queryInterface.addColumn('users', 'locale', { type: Sequelize.STRING(10) });`,
          `    // rollsafe-disable-next-line require-guard -- the deploy script runs this once
    await queryInterface.removeColumn('users', 'locale');`,
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'addColumn / removeColumn with no check',
      framework: 'sequelize',
      files: { ...first, '20240102000000-add-locale.cjs': unguardedLocale },
      errors: [
        { line: 6, message: /queryInterface\.addColumn users\.locale has no guard/ },
        { line: 10, message: /queryInterface\.removeColumn users\.locale has no guard/ },
      ],
    },
    {
      name: 'umzug form: addIndex has no IF NOT EXISTS in Sequelize',
      framework: 'sequelize',
      files: {
        ...first,
        '20240102000000-index-email.ts': `import type { QueryInterface } from 'sequelize';

export const up = async ({ context: queryInterface }: { context: QueryInterface }) => {
  await queryInterface.addIndex('users', ['email'], { name: 'users_email_idx' });
};

export const down = async ({ context: queryInterface }: { context: QueryInterface }) => {
  await queryInterface.removeIndex('users', 'users_email_idx');
};
`,
      },
      errors: [{ line: 4, message: /queryInterface\.addIndex users has no guard/ }],
    },
  ],
});

ruleTester.run('up-runs', {
  valid: [
    { framework: 'sequelize', files: { ...first, '20240102000000-add-locale.cjs': guardedLocale } },
    {
      name: 'a migration that cannot load is a problem with the module named, not a failing up',
      framework: 'sequelize',
      files: {
        ...first,
        '20240102000000-add-locale.cjs': guardedLocale.replace("'use strict';\n", "'use strict';\n\nconst { localeColumn } = require('../lib/locale-columns');\n"),
      },
      problems: [{ message: /cannot find module '\.\.\/lib\/locale-columns'/, line: 3 }],
    },
  ],
  invalid: [
    {
      name: 'up renames a column no migration created',
      framework: 'sequelize',
      files: {
        ...first,
        '20240102000000-rename-name.cjs': migration(
          `    await queryInterface.renameColumn('users', 'fullName', 'name');`,
          `    await queryInterface.renameColumn('users', 'name', 'fullName');`,
        ),
      },
      errors: [{ line: 6, message: /fullName/ }],
    },
  ],
});

ruleTester.run('idempotent-up', {
  valid: [{ framework: 'sequelize', files: { ...first, '20240102000000-add-locale.cjs': guardedLocale } }],
  invalid: [{ framework: 'sequelize', files: { ...first, '20240102000000-add-locale.cjs': unguardedLocale }, errors: [{ line: 6 }] }],
});

ruleTester.run('idempotent-down', {
  valid: [{ framework: 'sequelize', files: { ...first, '20240102000000-add-locale.cjs': guardedLocale } }],
  invalid: [{ framework: 'sequelize', files: { ...first, '20240102000000-add-locale.cjs': unguardedLocale }, errors: [{ line: 10 }] }],
});

ruleTester.run('round-trip', {
  valid: [
    {
      name: 'down drops the enum type Sequelize created with the table',
      framework: 'sequelize',
      files: {
        '20240101000000-create-users.cjs': migration(
          `    await queryInterface.createTable('users', {
      id: { type: Sequelize.INTEGER, primaryKey: true },
      role: { type: Sequelize.ENUM('admin', 'member'), allowNull: false },
    });`,
          `    await queryInterface.dropTable('users');
    await queryInterface.dropEnum('enum_users_role');`,
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'dropTable leaves the ENUM type behind',
      framework: 'sequelize',
      files: {
        '20240101000000-create-users.cjs': migration(
          `    await queryInterface.createTable('users', {
      id: { type: Sequelize.INTEGER, primaryKey: true },
      role: { type: Sequelize.ENUM('admin', 'member'), allowNull: false },
    });`,
          `    await queryInterface.dropTable('users');`,
        ),
      },
      errors: [{ line: 12, message: /enum_users_role/ }],
    },
  ],
});
