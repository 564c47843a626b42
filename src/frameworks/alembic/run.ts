// Runs Alembic revisions on an engine, two ways chosen per revision:
// - offline: Alembic renders the revision's SQL (as `alembic upgrade --sql` does, without the
//   alembic_version bookkeeping), all revisions in one python process, and rollsafe runs it: fast;
// - online: revisions that read the database (op.get_bind(), inspectors, data migrations) or that
//   cannot be rendered run in a live python whose every statement is sent back here and run on the
//   engine, so any engine serves, the replay cache records them, and the revision opens no socket.
import { readFileSync, statSync } from 'node:fs';
import { messageOf } from '../../checks/protocol.js';
import { runSqlScript } from '../../sql/run-statements.js';
import { MigrationRunError, type Direction, type Engine, type MigrationFile, type MigrationRunner } from '../../types.js';
import type { RunnerContext } from '../adapter.js';
import { findAlembicProject } from './discover.js';
import { OnlineRunner, pythonOptions, runHelper, type PythonOptions, type ServeFailure } from './python.js';

interface Rendered {
  statements?: { sql: string; line: number | null }[];
  /** The function reads the database (op.get_bind(), an inspector): the helper did not even try to render it. */
  live?: boolean;
  error?: ServeFailure;
}

interface OfflineReply {
  files: Record<string, Partial<Record<Direction, Rendered>>>;
}

// Text that may mean a live connection somewhere in the set: worth starting the online python early.
const readsDatabase = /\bget_bind\s*\(|\bget_context\s*\(|\binspect\s*\(|\bconnection\.execute\s*\(/;

/** Online when the function reads the database (per direction, from the helper's ast) or Alembic could not render it. */
export function needsOnline(rendered: Rendered | undefined): boolean {
  return !rendered || Boolean(rendered.live) || Boolean(rendered.error);
}

export async function createAlembicRunner(context: RunnerContext): Promise<MigrationRunner> {
  const { engine, set } = context;
  const project = findAlembicProject(set.dir);
  const cwd = project?.dir ?? set.projectDir;
  const options: PythonOptions = pythonOptions(cwd, project?.sysPath ?? []);
  const sources = new Map(set.migrations.map((m) => [m.path, readFileSync(m.path, 'utf8')]));
  const sourceOf = (path: string) => sources.get(path) ?? readFileSync(path, 'utf8');
  // Python starts (and renders every revision) while the runner is created: the engine's boot time, not a migration's.
  const offline = renderedOnce(set.migrations.map((m) => m.path), options);
  await offline.catch(() => undefined);
  let online: OnlineRunner | undefined;
  if (engine.name !== 'pg-mem' && [...sources.values()].some((source) => readsDatabase.test(source))) {
    online = new OnlineRunner(options);
    await online.started().catch(() => undefined);
  }

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const file = migration.path;
      let rendered;
      try {
        rendered = (await offline).files[file]?.[direction];
      } catch (error) {
        throw new MigrationRunError(messageOf(error), undefined, undefined, true);
      }
      if (!needsOnline(rendered)) {
        await runRendered(engine, file, rendered!.statements ?? [], !/autocommit_block/.test(sourceOf(file)));
        return;
      }
      // SQLAlchemy's inspector reads pg_catalog in ways pg-mem does not emulate: real Postgres (PGlite) runs these.
      if (engine.name === 'pg-mem') throw new MigrationRunError('pg-mem cannot run a revision that reads the database (op.get_bind(), an inspector)', undefined, undefined, true);
      online ??= new OnlineRunner(options);
      await runOnline(engine, online, file, direction);
    },
    async close(): Promise<void> {
      await online?.close();
    },
  };
}

// Every revision of the set rendered once, in one python process, shared by the engines' runners.
const renderings = new Map<string, Promise<OfflineReply>>();

function renderedOnce(files: string[], options: PythonOptions): Promise<OfflineReply> {
  const key = files.map((file) => `${file}:${statSync(file).mtimeMs}`).join('\n');
  let rendering = renderings.get(key);
  if (!rendering) {
    rendering = runHelper<OfflineReply>('offline', { files }, options);
    renderings.set(key, rendering);
  }
  return rendering;
}

/** The rendered statements, in one transaction as Alembic runs a revision on Postgres (transactional DDL). */
async function runRendered(engine: Engine, file: string, statements: { sql: string; line: number | null }[], transactional: boolean): Promise<void> {
  if (transactional) await engine.query('BEGIN');
  for (const statement of statements) {
    try {
      await runSqlScript(engine, { sql: statement.sql, file, baseLine: statement.line ?? 1 });
    } catch (error) {
      if (transactional) await engine.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  if (transactional) await engine.query('COMMIT');
}

async function runOnline(engine: Engine, online: OnlineRunner, file: string, direction: Direction): Promise<void> {
  let refused: { sql: string; unsupported: boolean } | undefined;
  const failure = await online.run(file, direction, async ({ query, params }) => {
    try {
      const result = (await engine.query(query, params)) as Awaited<ReturnType<Engine['query']>> & { fields?: { name: string }[] };
      const fields = result.fields?.map((field) => field.name) ?? Object.keys(result.rows[0] ?? {});
      return { fields, rows: result.rows.map((row) => fields.map((name) => jsonValue(row[name]))), rowCount: result.rowCount };
    } catch (error) {
      refused = { sql: query, unsupported: Boolean(await engine.isUnsupported(error)) };
      return { error: messageOf(error) };
    }
  });
  if (!failure) return;
  const loc = failure.line ? { file, line: failure.line, column: 1 } : undefined;
  // A module the revision imports that this python lacks says nothing of the revision: it is a check not done.
  if (/^(ModuleNotFoundError|ImportError)$/.test(failure.type)) {
    throw new MigrationRunError(
      `cannot import the revision with ${online.python}: ${failure.message}; install the project's dependencies there, or set ROLLSAFE_PYTHON to the python that has them`,
      loc,
      undefined,
      true,
    );
  }
  throw new MigrationRunError(failure.message, loc, refused?.sql, refused?.unsupported ?? false);
}

/** Values as JSON can carry them to Python (int8 as a number when it fits, bytes as Postgres hex). */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  return value;
}
