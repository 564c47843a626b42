/** @param {import('knex').Knex} knex */
exports.up = async function (knex) {
  if (!(await knex.schema.hasTable('users'))) {
    await knex.schema.createTable('users', (table) => {
      table.increments('id').primary();
      table.string('email', 255).notNullable().unique();
      table.string('display_name', 120);
      table.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    });
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function (knex) {
  await knex.schema.dropTableIfExists('users');
};
