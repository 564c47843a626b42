// The public, framework-, engine- and rule-neutral types that flow through
// discover -> analyse -> run -> judge -> report.

export type FrameworkName =
  | 'knex'
  | 'node-pg-migrate'
  | 'golang-migrate'
  | 'dbmate'
  | 'typeorm'
  | 'kysely'
  | 'sequelize'
  | 'mikro-orm'
  | 'alembic'
  | 'diesel';

export type EngineName = 'pg-mem' | 'pglite' | 'postgres';
export type RuleSeverity = 'off' | 'warn' | 'error';
export type Direction = 'up' | 'down';

/** 1-based line and column, as editors and ESLint count them. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

// ---------------------------------------------------------------- discover

/** One migration as its framework tracks it. */
export interface MigrationFile {
  /** The name the framework records in its bookkeeping table. */
  id: string;
  /** Absolute path of the file that holds the migration (golang-migrate: the `.up.sql`). */
  path: string;
  /** golang-migrate only: absolute path of the paired `.down.sql`, when it exists. */
  downPath?: string;
}

/** A folder of migrations with one history, in the order the framework applies them. */
export interface MigrationSet {
  /** Absolute path of the migrations folder (the first one, when several form the history). */
  dir: string;
  /** Every folder of the history when there are several (a TypeORM DataSource's globs), `dir` first. */
  dirs?: string[];
  framework: FrameworkName;
  /** What told rollsafe about the set: a config file and its key, or the files' signature. */
  foundBy?: string;
  /** Absolute path of the project the framework is resolved from (nearest package.json). */
  projectDir: string;
  migrations: MigrationFile[];
  /** For the staged copy of a set (src/discover/staged.ts): the folder it copies, which names its caches. */
  origin?: string;
  /**
   * SQL run on every empty database before the first migration, in order: the config's `setup` and
   * `baseline`, and what the framework itself does on connect (TypeORM's uuid-ossp).
   */
  setup?: SetupScript[];
}

export interface SetupScript {
  sql: string;
  /** Where it comes from, as the user names it: `rollsafe.config.json: sets[0].setup`. */
  origin: string;
  /** A schema dump: the session settings it changes (pg_dump empties search_path) are put back after it. */
  dump?: boolean;
}

// ---------------------------------------------------------------- analyse

/**
 * One schema change the static reader found: a builder call (`knex.schema.createTable`,
 * `pgm.addColumns`) or one SQL statement (in a .sql file or a SQL string in code).
 */
export interface Operation {
  direction: Direction;
  /** What it is, in the user's words: `CREATE TABLE`, `knex.schema.createTable`, `pgm.addColumns`. */
  kind: string;
  /** The object it touches, e.g. `users` or `users.status`, when known. */
  target?: string;
  /** Would fail or duplicate on a second run unless guarded. */
  needsGuard: boolean;
  /** Carries IF [NOT] EXISTS, sits inside an existence check, or the framework emits the guard itself. */
  guarded: boolean;
  /** How to guard it, as the framework writes it (used in the finding's help). */
  fix?: string;
  loc: SourceLocation;
}

/** What the static reader knows of a migration's down/rollback. */
export interface DownModel {
  /**
   * present: a down function / section / file exists;
   * missing: none at all;
   * disabled: declared irreversible (node-pg-migrate `down = false`);
   * automatic: omitted, and the framework derives it (node-pg-migrate, every operation reversible);
   * not-derivable: omitted, and the framework cannot derive it (`reason` says which operation).
   */
  status: 'present' | 'missing' | 'disabled' | 'automatic' | 'not-derivable';
  /** Present but does nothing: empty body, comments only, a bare return. */
  empty: boolean;
  reason?: string;
  /** Where the down is; the file's first line when there is none. */
  loc: SourceLocation;
}

/** A `rollsafe-disable…` comment found in a migration file. */
export interface Directive {
  kind: 'disable-next-line' | 'disable-line' | 'disable-file';
  /** Rule ids it names; empty means every rule. */
  rules: string[];
  reason?: string;
  /** The line the directive comment is on. */
  loc: SourceLocation;
  /** disable-next-line / disable-line: the line it silences. */
  appliesToLine?: number;
}

/** Everything the static reader learnt from one migration file, without a database. */
export interface MigrationModel {
  file: string;
  framework: FrameworkName;
  /** Where up is; absent when the file has no up. */
  up?: SourceLocation;
  down: DownModel;
  /** False for knex `config.transaction = false`, `pgm.noTransaction()`, CONCURRENTLY statements… */
  transactional: boolean;
  operations: Operation[];
  directives: Directive[];
  /** The file does not parse: nothing else in the model can be trusted. */
  parseError?: { message: string; loc: SourceLocation };
  /** Alembic: the set's history has several heads and this migration is one of them (`revisions`: every head). */
  heads?: { revisions: string[]; loc: SourceLocation };
}

// ---------------------------------------------------------------- run

export interface QueryResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/** A `pg`-module-compatible driver ({ Client, Pool }) whose connections reach one engine. */
export interface PgDriver {
  Client: new (config?: unknown) => unknown;
  Pool: new (config?: unknown) => unknown;
}

/** A database the dynamic checks run migrations in. Knows Postgres, nothing of frameworks or rules. */
export interface Engine {
  readonly name: EngineName;
  /** Runs one statement, with `$n` parameters. */
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<void>;
  /** The schema as it is now (see src/schema). */
  snapshot(): Promise<import('./schema/snapshot.js').SchemaSnapshot>;
  /** A `pg`-compatible driver bound to this engine, for frameworks that connect themselves. */
  pgDriver(): PgDriver;
  /** Back to an empty database. */
  reset(): Promise<void>;
  /** True when `error` means the engine cannot run a statement (not that the migration is wrong). */
  isUnsupported(error: unknown): boolean | Promise<boolean>;
  close(): Promise<void>;
  /**
   * Real servers only: the database as it is now kept as a template on the server, under the replay
   * cache's content hash (`group` tells sets apart), and a fresh database made from one.
   */
  templates?: {
    save(key: string, group: string): Promise<void>;
    /** Only before the engine's database is first used; false when no such template is kept. */
    restore(key: string, group: string): Promise<boolean>;
  };
  /** While set, every statement the engine runs is appended (the replay cache records with it). */
  statementLog?: LoggedStatement[];
  /** Runs a recorded statement again, from its `prepared` form when the engine left one (faster than `query`). */
  replay?(statement: LoggedStatement): Promise<void>;
  /**
   * Keeps the state as it is now, so that coming back to it costs the same however long the history
   * (real Postgres: a transaction and a savepoint). Engines without one are replayed instead.
   */
  checkpoint?(): Promise<Checkpoint>;
}

/** A kept state of an engine (see Engine.checkpoint); one at a time, ended before anything else. */
export interface Checkpoint {
  /** Back to the state the checkpoint was taken at. */
  restore(): Promise<void>;
  /** Keeps what ran since (`keep`) or goes back to the checkpoint's state, and closes it. */
  end(keep: boolean): Promise<void>;
  /** Something ran that the checkpoint cannot hold (CONCURRENTLY, a script's own COMMIT): what ran since does not count. */
  readonly broken: boolean;
}

export interface LoggedStatement {
  sql: string;
  params?: unknown[];
  /**
   * What the engine made of the statement, serialisable, so that a replay skips that work (pg-mem:
   * the parsed statements it ran; parsing is most of what a replay of 300 migrations costs it).
   */
  prepared?: unknown;
}

/** Thrown by runners: what failed, and the statement's line in the migration when it is known. */
export class MigrationRunError extends Error {
  constructor(
    message: string,
    readonly loc?: SourceLocation,
    readonly sql?: string,
    readonly unsupported = false,
  ) {
    super(message);
    this.name = 'MigrationRunError';
  }
}

/** How one framework applies one migration to an engine. */
export interface MigrationRunner {
  /** A runner in the sandboxed process reports the queries the step left floating (they ran there, not here). */
  run(migration: MigrationFile, direction: Direction): Promise<void | RunReport>;
  close(): Promise<void>;
}

export type ProtocolStepName = 'up' | 'up-again' | 'down' | 'down-again' | 'up-after-down';

export interface StepOutcome {
  step: ProtocolStepName;
  ok: boolean;
  error?: { message: string; loc?: SourceLocation; unsupported?: boolean };
}

/** A change between two schema snapshots, said in words ("column users.status"). */
export interface SchemaChange {
  kind: 'added' | 'removed' | 'changed';
  /** e.g. `column users.status`, `index users_email_idx`, `enum mood`. */
  object: string;
  /** For `changed`: what differs, e.g. `type text -> varchar(20)`. */
  detail?: string;
}

/** What rolling the whole history back to the base (`lint --all`) says of one migration. */
export interface HistoryVerdict {
  engine: EngineName;
  /** Objects its up created that are still there once every later down and its own have run. */
  residue?: SchemaChange[];
  /** Its down failed on the way back to the base, after the later migrations' downs. */
  downError?: StepOutcome['error'];
  /** rollsafe itself (or the engine, internally) failed at this migration in the pass, twice, each time on a fresh engine. */
  internalError?: string;
}

/** The dynamic protocol's verdicts for one migration on one engine. */
export interface ProtocolResult {
  engine: EngineName;
  /** The engine that was tried first and overturned, when a finding was re-checked. */
  checkedFirstOn?: EngineName;
  /** The set's first migration: it runs on an empty database (plus the set's setup). */
  firstOfSet?: boolean;
  /** The findings are `engine`'s, which the re-check could not confirm: why (an extension PGlite lacks). */
  unconfirmed?: { engine: EngineName; message: string };
  /** An earlier migration of the set did not replay: nothing below was run. */
  replayError?: {
    migration: string;
    message: string;
    unsupported?: boolean;
    /** What stopped it: it cannot be loaded, a statement of it fails on the engine, or it was stopped (timeout, memory cap). */
    cause?: 'load' | 'statement' | 'stopped';
  };
  /** The migration could not be loaded (syntax error, throws on import, missing module). */
  loadError?: { message: string; loc?: SourceLocation };
  /** It did not finish within the per-migration timeout. */
  timedOut?: { step: ProtocolStepName; ms: number; statement?: string };
  /** It used more memory than the checks may (`limits.memoryMb`) and was stopped. */
  outOfMemory?: { step: ProtocolStepName; mb: number };
  /** It ended the process it ran in (process.exit, an error that escaped its step) or rollsafe failed on it; the run went on without it. */
  crashed?: { step: ProtocolStepName | 'load'; message: string };
  steps: StepOutcome[];
  /** up-again left a different schema than up. */
  upAgainChanges?: SchemaChange[];
  /** down did not restore the schema from before up. */
  downChanges?: SchemaChange[];
  /** up after down left a different schema than the first up. */
  upAfterDownChanges?: SchemaChange[];
  /** Queries a step started and did not await (floating-query). */
  floatingQueries?: FloatingQuery[];
  /** rollsafe itself failed while checking this migration (a bug or an engine's internal error); the run went on with a fresh engine. */
  internalError?: { message: string; during?: string };
  /** Connections the migration tried to open itself, which the worker's sandbox refused. */
  sandboxViolations?: SandboxViolation[];
  /** `lint --all`: what rolling the whole history back to the base says of this migration (src/checks/history.ts). */
  history?: HistoryVerdict;
  /** A non-transactional up that, stopped after one of its statements, cannot be run to the end again. */
  resumeFailure?: ResumeFailure;
  /** Values of columns that existed before up which up then down did not bring back (rows were generated first). */
  dataLoss?: DataLoss[];
  /** Columns and tables that held rows and that up drops, when no down could be run to check it restores them. */
  destructiveUp?: { object: string; rows: number }[];
  /** Rows a second up (after one up, on generated rows) inserted, deleted or changed again. */
  upDataRerun?: DataRerun[];
  /** Rows a second down (after up then down, on generated rows) inserted, deleted or changed again. */
  downDataRerun?: DataRerun[];
}

/** What a second run of a direction did to a table's rows that the first run had already done. */
export interface DataRerun {
  table: string;
  change: 'inserted' | 'deleted' | 'changed';
  /** `changed`: the column whose values changed again. */
  column?: string;
  /** How many rows were inserted, deleted or changed. */
  count: number;
  /** How many rows the table held after the first run. */
  of: number;
  /** One row: `code = 'read', …` (inserted, deleted) or `id 1: 1200 → 1200000` (changed). */
  example: string;
  /** Lines of the migration that write this table's rows, best match first (the rule keeps those of the direction). */
  sites: SourceLocation[];
}

/** A query the migration started and did not await: it ran on after the step returned, or failed with nobody to handle it. */
/** What a sandboxed run tells besides success: what floated, watched where the migration's code ran. */
export interface RunReport {
  floating: Omit<FloatingQuery, 'step'>[];
}

export interface FloatingQuery {
  step: ProtocolStepName;
  /** The statement, in one line, when it reached the engine. */
  sql?: string;
  /** Its failure, when it failed. */
  error?: string;
  /** Still running when rollsafe stopped waiting for it. */
  stillRunning?: boolean;
  /** Built but never sent at all (no await, return or .then): it did nothing. */
  neverRun?: boolean;
  /** The migration line that started it, when known. */
  loc?: SourceLocation;
  /** It failed only because the engine cannot run it. */
  unsupported?: boolean;
}

/** Where a crash leaves a non-transactional up stuck: the last statement that ran, then what the re-run did. */
export interface ResumeFailure {
  /** The last statement that ran before the simulated crash (1-based position among up's writing statements). */
  afterStatement: { sql: string; position: number; of: number };
  /** Running up again from there failed. */
  error?: StepOutcome['error'];
  /** Running up again from there succeeded but ended in another schema than one clean up. */
  changes?: SchemaChange[];
}

/** One column (or a whole table's rows) whose values up -> down did not keep, with one example row. */
export interface DataLoss {
  table: string;
  /** Absent when rows went missing altogether. */
  column?: string;
  /** The row, by primary key when there is one, and its value before -> after, e.g. `id=2: 12.75 -> 13`. */
  example: string;
}

/** One outbound connection the sandbox refused: where to, how, and the migration line that asked. */
export interface SandboxViolation {
  /** Host name or address, or the socket path of a local (IPC) connection. */
  host: string;
  port?: number;
  /** The call that was refused, e.g. `net.connect`, `tls.connect`. */
  via: string;
  /** The first stack frame in a migration file. */
  loc?: SourceLocation;
  /** What was running: loading the file, or a protocol step. */
  during?: ProtocolStepName | 'load';
}

// ---------------------------------------------------------------- judge & report

/** One finding, shaped like an ESLint message. */
export interface Finding {
  /** null for problems that are no rule's: parse errors, load errors, bad directives (as ESLint). */
  ruleId: string | null;
  severity: 1 | 2;
  message: string;
  /** What to do instead, one line. */
  help?: string;
  line: number;
  column: number;
  /** Which engine judged a dynamic finding. */
  engine?: EngineName;
  /** The file could not be read at all. */
  fatal?: boolean;
}

/** Results for one reported file, in ESLint's result shape. */
export interface FileResult {
  filePath: string;
  messages: Finding[];
  errorCount: number;
  warningCount: number;
  fatalErrorCount: number;
  fixableErrorCount: number;
  fixableWarningCount: number;
  /** Findings silenced by a directive, with the directive's reason (ESLint's suppressedMessages). */
  suppressedMessages: (Finding & { suppressions: { kind: 'directive'; justification: string }[] })[];
  usedDeprecatedRules: never[];
}
