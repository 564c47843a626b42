// Generates a knex migration history shaped like a real product's: tables, added columns,
// indexes and foreign keys, every migration guarded and reversible.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function stamp(i) {
  const base = Date.UTC(2024, 0, 1, 0, 0, 0) + i * 3_600_000;
  return new Date(base).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function createTableMigration(table, previous) {
  const fk = previous
    ? `\n      t.integer('${previous}_id').references('id').inTable('${previous}').onDelete('CASCADE');`
    : '';
  return `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('${table}'))) {
    await knex.schema.createTable('${table}', (t) => {
      t.increments('id').primary();
      t.string('name', 120).notNullable();
      t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());${fk}
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('${table}');
}
`;
}

function addColumnMigration(table, column) {
  return `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasColumn('${table}', '${column}'))) {
    await knex.schema.alterTable('${table}', (t) => {
      t.string('${column}', 64).nullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  if (await knex.schema.hasColumn('${table}', '${column}')) {
    await knex.schema.alterTable('${table}', (t) => {
      t.dropColumn('${column}');
    });
  }
}
`;
}

function indexMigration(table) {
  return `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS ${table}_name_idx ON ${table} (name)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS ${table}_name_idx');
}
`;
}

// The last migration of a "broken" history forgets one of its two columns in down: the finding
// pg-mem makes must be confirmed on PGlite, the slow path the benchmark measures separately.
function brokenMigration(table) {
  return `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasColumn('${table}', 'archived_at'))) {
    await knex.schema.alterTable('${table}', (t) => {
      t.timestamp('archived_at').nullable();
      t.string('archived_by', 64).nullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  if (await knex.schema.hasColumn('${table}', 'archived_by')) {
    await knex.schema.alterTable('${table}', (t) => {
      t.dropColumn('archived_by');
    });
  }
}
`;
}

/** Writes `count` earlier migrations plus one last migration; returns the paths in order. */
export function generateKnexHistory(dir, count, { brokenLast = false } = {}) {
  const files = [];
  const tables = [];
  for (let i = 0; i <= count; i++) {
    let name;
    let source;
    const isLast = i === count;
    if (isLast && brokenLast && tables.length) {
      name = `archive_${tables.at(-1)}`;
      source = brokenMigration(tables.at(-1));
    } else if (i % 3 === 0 || tables.length === 0) {
      const table = `t${String(i).padStart(4, '0')}`;
      name = `create_${table}`;
      source = createTableMigration(table, tables.at(-1));
      tables.push(table);
    } else if (i % 3 === 1) {
      const table = tables.at(-1);
      name = `add_note_${i}_to_${table}`;
      source = addColumnMigration(table, `note_${i}`);
    } else {
      const table = tables.at(-1);
      name = `index_${table}_name`;
      source = indexMigration(table);
    }
    const path = join(dir, `${stamp(i)}_${name}.ts`);
    writeFileSync(path, source);
    files.push(path);
  }
  return files;
}
