/** @param {import('knex').Knex} knex */
exports.up = async function (knex) {
  if (!(await knex.schema.hasColumn('users', 'locale'))) {
    await knex.schema.alterTable('users', (table) => {
      table.string('locale', 10).notNullable().defaultTo('en');
      table.string('time_zone', 64);
    });
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function (knex) {
  if (await knex.schema.hasColumn('users', 'time_zone')) {
    await knex.schema.alterTable('users', (table) => {
      table.dropColumn('time_zone');
    });
  }
};
