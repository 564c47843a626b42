import type { Engine, FrameworkName, MigrationFile, MigrationModel, MigrationRunner, MigrationSet, SetupScript } from '../types.js';

/** What a runner gets to apply migrations: the engine, and how to load the user's code. */
export interface RunnerContext {
  engine: Engine;
  set: MigrationSet;
  /** Imports a migration (TS or JS, ESM or CJS) with the project's module resolution. */
  importMigration(path: string): Promise<Record<string, unknown>>;
  /** Resolves a package (e.g. `knex`) from the user's project, never from rollsafe's own copy first. */
  requireFromProject<T = unknown>(specifier: string): Promise<T>;
}

/** One framework: how to find, read and run its migrations. Knows nothing of rules. */
export interface FrameworkAdapter {
  readonly name: FrameworkName;
  /** The migrations in `dir`, in the order the framework applies them. */
  listMigrations(dir: string): Promise<MigrationFile[]>;
  /** Several folders that form one history (a TypeORM DataSource's globs), in the framework's order. */
  listMigrationsIn?(dirs: string[]): Promise<MigrationFile[]>;
  /** Does this file look like one of this framework's migrations (used for paths outside known sets)? */
  claims(path: string, source: string): boolean;
  /** The static model: ups, downs, operations with guards, directives. Never touches a database. */
  analyse(migration: MigrationFile): Promise<MigrationModel>;
  /** Throws a SetupError when what the set needs is not installed (a Python without Alembic), before any file is read. */
  checkSetup?(set: MigrationSet): Promise<void>;
  /** A runner bound to one engine; reused for every step of every migration on that engine. */
  createRunner(context: RunnerContext): Promise<MigrationRunner>;
  /** What the framework itself runs on connect, before any migration (TypeORM creates uuid-ossp), as setup. */
  impliedSetup?(set: MigrationSet): Promise<SetupScript[]>;
}
