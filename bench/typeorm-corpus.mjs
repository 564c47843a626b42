// Generates a TypeORM migration history shaped like a real product's: generated-style SQL through
// queryRunner.query (tables with primary and foreign keys, added columns, indexes), every statement
// guarded and every migration reversible. SQL rather than the QueryRunner API on purpose: the API
// reads the catalog in ways pg-mem cannot answer, so such a history would measure PGlite alone.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** TypeORM names migrations by a trailing JavaScript timestamp (MigrationExecutor sorts by it). */
function timestamp(i) {
  return Date.UTC(2024, 0, 1) + i * 3_600_000;
}

function pascal(name) {
  return name.replace(/(^|_)(\w)/g, (_m, _sep, c) => c.toUpperCase());
}

function migration(className, up, down) {
  const body = (lines) => lines.map((line) => `    await queryRunner.query(\`${line}\`);\n`).join('');
  return `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${body(up)}  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${body(down)}  }
}
`;
}

function createTable(table, previous) {
  const fkColumn = previous ? `, "${previous}_id" integer` : '';
  const fk = previous
    ? `, CONSTRAINT "FK_${table}_${previous}" FOREIGN KEY ("${previous}_id") REFERENCES "${previous}"("id") ON DELETE CASCADE`
    : '';
  return {
    up: [
      `CREATE TABLE IF NOT EXISTS "${table}" ("id" SERIAL NOT NULL, "name" character varying(120) NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now()${fkColumn}, CONSTRAINT "PK_${table}" PRIMARY KEY ("id")${fk})`,
    ],
    down: [`DROP TABLE IF EXISTS "${table}"`],
  };
}

function addColumn(table, column) {
  return {
    up: [`ALTER TABLE "${table}" ADD COLUMN IF NOT EXISTS "${column}" character varying(64)`],
    down: [`ALTER TABLE "${table}" DROP COLUMN IF EXISTS "${column}"`],
  };
}

function index(table) {
  return {
    up: [`CREATE INDEX IF NOT EXISTS "IDX_${table}_name" ON "${table}" ("name")`],
    down: [`DROP INDEX IF EXISTS "IDX_${table}_name"`],
  };
}

// The last migration of a "broken" history forgets one of its two columns in down: the finding
// pg-mem makes must be confirmed on PGlite, the slow path measured separately.
function broken(table) {
  return {
    up: [
      `ALTER TABLE "${table}" ADD COLUMN IF NOT EXISTS "archived_at" TIMESTAMP`,
      `ALTER TABLE "${table}" ADD COLUMN IF NOT EXISTS "archived_by" character varying(64)`,
    ],
    down: [`ALTER TABLE "${table}" DROP COLUMN IF EXISTS "archived_by"`],
  };
}

/**
 * Writes `count` earlier migrations plus one last migration into `dir` as `<timestamp>-<Name>.ts`
 * (the TypeORM CLI's file names); returns the paths in order.
 */
export function writeTypeormHistory(dir, count, { brokenLast = false } = {}) {
  const files = [];
  const tables = [];
  for (let i = 0; i <= count; i++) {
    let name;
    let statements;
    if (i === count && brokenLast && tables.length) {
      name = `archive_${tables.at(-1)}`;
      statements = broken(tables.at(-1));
    } else if (i % 3 === 0 || tables.length === 0) {
      const table = `t${String(i).padStart(4, '0')}`;
      name = `create_${table}`;
      statements = createTable(table, tables.at(-1));
      tables.push(table);
    } else if (i % 3 === 1) {
      name = `add_note_${i}_to_${tables.at(-1)}`;
      statements = addColumn(tables.at(-1), `note_${i}`);
    } else {
      name = `index_${tables.at(-1)}_name`;
      statements = index(tables.at(-1));
    }
    const stamp = timestamp(i);
    const className = `${pascal(name)}${stamp}`;
    const path = join(dir, `${stamp}-${pascal(name)}.ts`);
    writeFileSync(path, migration(className, statements.up, statements.down));
    files.push(path);
  }
  return files;
}
