// The static model of a migration kept as two SQL files, up and down (golang-migrate's
// `.up.sql`/`.down.sql`, diesel's `up.sql`/`down.sql`).
import { readFile } from 'node:fs/promises';
import { parseDirectives } from '../directives.js';
import { analyseSql } from '../sql/analyse.js';
import type { FrameworkName, MigrationFile, MigrationModel, SourceLocation } from '../types.js';

/** `inTransaction`: whether the framework wraps the migration in a transaction of its own (diesel's metadata.toml). */
export async function analyseSqlPair(migration: MigrationFile, framework: FrameworkName, inTransaction = true): Promise<MigrationModel> {
  const upSource = await readFile(migration.path, 'utf8');
  const downSource = migration.downPath ? await readFile(migration.downPath, 'utf8') : undefined;
  const up = await analyseSql(upSource, { file: migration.path, direction: 'up' });
  const down = migration.downPath && downSource !== undefined ? await analyseSql(downSource, { file: migration.downPath, direction: 'down' }) : undefined;
  const firstLine = (file: string): SourceLocation => ({ file, line: 1, column: 1 });
  const model: MigrationModel = {
    file: migration.path,
    framework,
    up: firstLine(migration.path),
    down: {
      status: down ? 'present' : 'missing',
      // A down that does not parse is not empty: the parse error is the finding.
      empty: down ? down.statements.length === 0 && !down.parseError : false,
      loc: firstLine(migration.downPath ?? migration.path),
    },
    transactional: inTransaction && up.transactional && (down?.transactional ?? true),
    operations: [...up.operations, ...(down?.operations ?? [])],
    directives: [
      ...parseDirectives(upSource, migration.path, 'sql'),
      ...(migration.downPath && downSource !== undefined ? parseDirectives(downSource, migration.downPath, 'sql') : []),
    ],
  };
  const parseError = up.parseError ?? down?.parseError;
  if (parseError) model.parseError = parseError;
  return model;
}
