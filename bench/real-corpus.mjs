// Generates a golang-migrate SQL history shaped like a real product's rather than a tidy one:
// unguarded DDL (so idempotent-up fails on most files, as it does on real histories), wide tables
// with several indexes and a foreign key, views over them, plpgsql functions with triggers, added
// columns with backfills. Every down undoes its up, so round trips hold.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function createTable(table, previous) {
  const fk = previous ? `,\n    ${previous}_id bigint REFERENCES ${previous} (id) ON DELETE CASCADE` : '';
  const up = `CREATE TABLE ${table} (
    id bigserial PRIMARY KEY,
    name varchar(120) NOT NULL,
    slug text NOT NULL,
    status text NOT NULL DEFAULT 'active',
    amount_cents integer NOT NULL DEFAULT 0,
    quantity integer,
    is_public boolean NOT NULL DEFAULT false,
    metadata jsonb NOT NULL DEFAULT '{}',
    notes text,
    external_ref uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()${fk},
    CONSTRAINT ${table}_amount_check CHECK (amount_cents >= 0)
);
CREATE UNIQUE INDEX ${table}_slug_key ON ${table} (slug);
CREATE INDEX ${table}_status_idx ON ${table} (status);
CREATE INDEX ${table}_created_at_idx ON ${table} (created_at);
${previous ? `CREATE INDEX ${table}_${previous}_id_idx ON ${table} (${previous}_id);\n` : ''}`;
  return { up, down: `DROP TABLE ${table};\n` };
}

function addColumns(table, i) {
  const up = `ALTER TABLE ${table} ADD COLUMN label_${i} text;
ALTER TABLE ${table} ADD COLUMN score_${i} integer NOT NULL DEFAULT 0;
UPDATE ${table} SET label_${i} = name WHERE label_${i} IS NULL;
CREATE INDEX ${table}_score_${i}_idx ON ${table} (score_${i});
`;
  const down = `DROP INDEX ${table}_score_${i}_idx;
ALTER TABLE ${table} DROP COLUMN score_${i};
ALTER TABLE ${table} DROP COLUMN label_${i};
`;
  return { up, down };
}

function trigger(table) {
  const up = `CREATE FUNCTION ${table}_touch() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  IF NEW.status IS NULL THEN
    NEW.status := 'active';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ${table}_touch_trg BEFORE UPDATE ON ${table}
    FOR EACH ROW EXECUTE FUNCTION ${table}_touch();
`;
  const down = `DROP TRIGGER ${table}_touch_trg ON ${table};
DROP FUNCTION ${table}_touch();
`;
  return { up, down };
}

function view(table) {
  const up = `CREATE VIEW ${table}_active AS
    SELECT id, name, slug, amount_cents, created_at FROM ${table} WHERE status = 'active';
`;
  return { up, down: `DROP VIEW ${table}_active;\n` };
}

function uniqueIndex(table, i) {
  const up = `CREATE UNIQUE INDEX ${table}_ref_${i}_key ON ${table} (external_ref, slug);
ALTER TABLE ${table} ALTER COLUMN notes SET DEFAULT '';
`;
  const down = `ALTER TABLE ${table} ALTER COLUMN notes DROP DEFAULT;
DROP INDEX ${table}_ref_${i}_key;
`;
  return { up, down };
}

// One guarded migration in six, as real histories mix both.
function guardedColumn(table, i) {
  const up = `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS flag_${i} boolean NOT NULL DEFAULT false;\n`;
  return { up, down: `ALTER TABLE ${table} DROP COLUMN IF EXISTS flag_${i};\n` };
}

/** Writes `count` migrations as `{version}_{title}.up.sql` / `.down.sql`; returns the up paths in order. */
export function generateRealSqlHistory(dir, count) {
  const files = [];
  const tables = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 6;
    let name;
    let migration;
    if (kind === 0 || tables.length === 0) {
      const table = `t${String(i).padStart(4, '0')}`;
      migration = createTable(table, tables.at(-1));
      name = `create_${table}`;
      tables.push(table);
    } else {
      const table = tables.at(-1);
      if (kind === 1) [name, migration] = [`add_columns_${i}_to_${table}`, addColumns(table, i)];
      else if (kind === 2) [name, migration] = [`touch_trigger_on_${table}`, trigger(table)];
      else if (kind === 3) [name, migration] = [`active_view_of_${table}`, view(table)];
      else if (kind === 4) [name, migration] = [`ref_index_${i}_on_${table}`, uniqueIndex(table, i)];
      else [name, migration] = [`flag_${i}_on_${table}`, guardedColumn(table, i)];
    }
    const version = String(i + 1).padStart(6, '0');
    const up = join(dir, `${version}_${name}.up.sql`);
    writeFileSync(up, migration.up);
    writeFileSync(join(dir, `${version}_${name}.down.sql`), migration.down);
    files.push(up);
  }
  return files;
}
