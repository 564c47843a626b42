// Idempotent data: a migration whose up (or down) inserts, updates or deletes rows must not do it
// again when run a second time. With generated rows in the tables it writes (or reads: a loop over
// selected rows writes nothing while the tables are empty), up is run twice and the tables compared
// after each run (then up, down, down for down). Skipped at once when neither direction sends a
// statement that changes rows or reads a table.
import type { SchemaSnapshot } from '../../schema/snapshot.js';
import type { DataRerun, Direction, LoggedStatement } from '../../types.js';
import type { DataPhaseInput } from './index.js';
import { readTables, type TableContents } from './digest.js';
import { rerunChanges } from './rerun-diff.js';
import { fillTables } from './rows.js';
import { writeSites } from './sites.js';
import { tablesRead, tablesWritten } from './writes.js';

/** What preserves-data starts from, with the statements of the first up and down (on empty tables). */
export interface DataRerunInput extends Pick<DataPhaseInput, 'engine' | 'runner' | 'migration' | 'hasDown' | 'before' | 'afterUp' | 'restore'> {
  up: LoggedStatement[];
  down?: LoggedStatement[];
}

export interface DataRerunOutcome {
  /** The phase ran and left rows in the engine: the next migration needs a fresh replay. */
  ran: boolean;
  up?: DataRerun[];
  down?: DataRerun[];
}

/** Generated rows per table: one more than preserves-data's, its nullable columns NULL (what a backfill looks for). */
const fill = { rows: 4, nullRow: true };

export async function checkDataRerun(input: DataRerunInput): Promise<DataRerunOutcome> {
  const { before, afterUp } = input;
  const sqlOf = (log: LoggedStatement[] = []) => log.map((statement) => statement.sql);
  const down = input.hasDown ? sqlOf(input.down) : [];
  const touched = new Set([...(tablesWritten(sqlOf(input.up), before) ?? []), ...tablesRead(sqlOf(input.up), before), ...(tablesWritten(down, before) ?? []), ...tablesRead(down, before)]);
  const writes = tablesWritten(sqlOf(input.up), afterUp) ?? tablesWritten(down, before);
  if (!writes && touched.size === 0) return { ran: false };
  const outcome: DataRerunOutcome = { ran: true };
  const files = [input.migration.path, ...(input.migration.downPath ? [input.migration.downPath] : [])];

  if (!(await startFilled(input, touched))) return outcome;
  // What up writes with rows in the tables, which may be more than it wrote on empty ones.
  const upLog = await run(input, 'up', true);
  if (!upLog) return outcome;
  const upWrites = tablesWritten([...sqlOf(input.up), ...sqlOf(upLog)], afterUp);
  let upClean = true;
  if (upWrites && upWrites.size > 0) {
    const first = await readTables(input.engine, afterUp, upWrites);
    if (!(await run(input, 'up'))) return outcome;
    const changes = compare(first, await readTables(input.engine, afterUp, upWrites), afterUp, files);
    if (changes.length > 0) {
      outcome.up = changes;
      upClean = false;
    }
  }
  if (!input.hasDown || (!tablesWritten(down, before) && tablesRead(down, before).size === 0)) return outcome;

  // Down from one up's rows: the engine holds them when a second up changed nothing.
  if (!upClean && (!(await startFilled(input, touched)) || !(await run(input, 'up')))) return outcome;
  const downLog = await run(input, 'down', true);
  if (!downLog) return outcome;
  const downWrites = tablesWritten([...down, ...sqlOf(downLog)], before);
  if (!downWrites || downWrites.size === 0) return outcome;
  const first = await readTables(input.engine, before, downWrites);
  if (!(await run(input, 'down'))) return outcome;
  const changes = compare(first, await readTables(input.engine, before, downWrites), before, files);
  if (changes.length > 0) outcome.down = changes;
  return outcome;
}

/** The state from before up, with generated rows in the tables that existed then. */
async function startFilled(input: DataRerunInput, tables: Set<string>): Promise<boolean> {
  const error = await input.restore();
  if (error) return skipped(input, `the state before up could not be rebuilt: ${error}`);
  if (tables.size === 0) return true;
  const outcome = await fillTables(input.engine, input.before, tables, fill);
  for (const [table, why] of outcome.skipped) debug(`${input.migration.id}: no rows generated for ${table}: ${why}`);
  return true;
}

/**
 * One run through the framework, what it sent when `record`; undefined (and the phase ends, saying
 * nothing) when it fails with rows in the tables.
 */
async function run(input: DataRerunInput, direction: Direction, record = false): Promise<LoggedStatement[] | undefined> {
  const log: LoggedStatement[] = [];
  if (record) input.engine.statementLog = log;
  try {
    await input.runner.run(input.migration, direction);
    return log;
  } catch (error) {
    skipped(input, `${direction} failed with rows in the tables: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
    return undefined;
  } finally {
    if (record) input.engine.statementLog = undefined;
  }
}

function compare(first: Map<string, TableContents>, second: Map<string, TableContents>, schema: SchemaSnapshot, files: string[]): DataRerun[] {
  const changes: DataRerun[] = [];
  for (const [table, contents] of first) {
    const later = second.get(table);
    if (!later) continue;
    for (const change of rerunChanges(table, schema.tables[table], contents, later)) {
      changes.push({ ...change, sites: writeSites(files, table, change.column) });
    }
  }
  return changes.slice(0, 5);
}

function skipped(input: DataRerunInput, why: string): false {
  debug(`${input.migration.id}: data re-run not checked: ${why}`);
  return false;
}

function debug(message: string): void {
  if (process.env.ROLLSAFE_DEBUG) console.error(`rollsafe: idempotent data: ${message}`);
}
