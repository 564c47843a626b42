import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FrameworkAdapter } from '../adapter.js';
import { parseDirectives } from '../../directives.js';
import { analyseSql, type SqlAnalysis } from '../../sql/analyse.js';
import { runSqlScript } from '../../sql/run-statements.js';
import { MigrationRunError, type MigrationModel } from '../../types.js';
import { readSections } from './sections.js';

// dbmate's file name: leading digits are the version (`migrationFileRegexp` in pkg/dbmate).
const migrationFileName = /^(\d+).*\.sql$/;

export const dbmateAdapter: FrameworkAdapter = {
  name: 'dbmate',

  async listMigrations(dir) {
    const names = (await readdir(dir)).filter((name) => migrationFileName.test(name));
    // dbmate applies files in file-name order (a byte-wise sort, as Go compares strings).
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => ({ id: migrationFileName.exec(name)![1], path: join(dir, name) }));
  },

  claims(path, source) {
    return migrationFileName.test(basename(path)) && /^--[ \t]*migrate:up/m.test(source);
  },

  async analyse(migration) {
    const file = migration.path;
    const source = await readFile(file, 'utf8');
    const sections = readSections(source);
    const model: MigrationModel = {
      file,
      framework: 'dbmate',
      down: { status: 'missing', empty: false, loc: { file, line: 1, column: 1 } },
      transactional: true,
      operations: [],
      directives: parseDirectives(source, file, 'sql'),
    };
    if (sections.error) {
      model.parseError = { message: sections.error.message, loc: { file, line: sections.error.line, column: 1 } };
      return model;
    }
    const up = sections.up!;
    const upAnalysis = await analyseSql(up.sql, { file, direction: 'up', baseLine: up.line });
    let downAnalysis: SqlAnalysis | undefined;
    model.up = { file, line: up.line, column: 1 };
    if (sections.down) {
      downAnalysis = await analyseSql(sections.down.sql, { file, direction: 'down', baseLine: sections.down.line });
      model.down = {
        status: 'present',
        // A down that does not parse is not empty: the parse error is the finding.
        empty: downAnalysis.statements.length === 0 && !downAnalysis.parseError,
        loc: { file, line: sections.down.line, column: 1 },
      };
    }
    model.transactional =
      up.transaction && upAnalysis.transactional && (sections.down?.transaction ?? true) && (downAnalysis?.transactional ?? true);
    model.operations = [...upAnalysis.operations, ...(downAnalysis?.operations ?? [])];
    const parseError = upAnalysis.parseError ?? downAnalysis?.parseError;
    if (parseError) model.parseError = parseError;
    return model;
  },

  async createRunner(context) {
    return {
      async run(migration, direction) {
        const file = migration.path;
        const sections = readSections(await readFile(file, 'utf8'));
        if (sections.error) throw new MigrationRunError(sections.error.message, { file, line: sections.error.line, column: 1 });
        const section = direction === 'up' ? sections.up : sections.down;
        // A file without a down section has nothing to run on rollback.
        if (!section) return;
        await runSqlScript(context.engine, { sql: section.sql, file, baseLine: section.line });
      },
      async close() {},
    };
  },
};
