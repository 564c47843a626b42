// preserves-data: with generated rows in every table from before up, up then down must leave every
// column that existed before holding the same values. Without a runnable down, an up that drops
// columns or tables that held rows is reported as destructive (a backup first).
import { diffSnapshots } from '../../schema/diff.js';
import type { SchemaSnapshot } from '../../schema/snapshot.js';
import type { DataLoss, Engine, LoggedStatement, MigrationFile, MigrationRunner, ProtocolResult } from '../../types.js';
import { compareContents, readTables } from './digest.js';
import { fillTables } from './rows.js';

export interface DataPhaseInput {
  engine: Engine;
  runner: MigrationRunner;
  migration: MigrationFile;
  hasDown: boolean;
  /** The schema before up (S0) and after one up (S1). */
  before: SchemaSnapshot;
  afterUp: SchemaSnapshot;
  /** What up and down sent in the protocol: when none of it can touch an existing row, the phase is skipped. */
  statements: LoggedStatement[];
  /** The engine stands at S1 (the protocol ended clean): a down brings it to S0 without a replay. */
  atAfterUp: boolean;
  /** Rebuilds the state from before up; a message when it could not. */
  restore(): Promise<string | undefined>;
}

export interface DataPhaseOutcome {
  /** The phase ran and left rows in the engine: the next migration needs a fresh replay. */
  ran: boolean;
  dataLoss?: DataLoss[];
  destructiveUp?: ProtocolResult['destructiveUp'];
}

export async function checkPreservesData(input: DataPhaseInput): Promise<DataPhaseOutcome> {
  const { engine, runner, migration, before } = input;
  const tables = Object.keys(before.tables);
  if (tables.length === 0) return { ran: false };
  const risky = input.statements.flatMap((statement) => statementsOf(statement.sql)).filter((sql) => !keepsRows(sql, before)).map((sql) => ({ sql }));
  if (risky.length === 0) return { ran: false };
  const atRisk = tablesAtRisk(risky.map((statement) => statement.sql), before);
  if (atRisk?.size === 0) return { ran: false };

  const skip = (why: string): DataPhaseOutcome => {
    debug(`${migration.id}: data not checked: ${why}`);
    return { ran: true };
  };
  try {
    if (input.hasDown && input.atAfterUp) await runner.run(migration, 'down');
    else {
      const error = await input.restore();
      if (error) return skip(`the state before up could not be rebuilt: ${error}`);
    }
  } catch (error) {
    return skip(`down failed: ${messageOf(error)}`);
  }
  const fill = await fillTables(engine, before, atRisk);
  for (const [table, why] of fill.skipped) debug(`${migration.id}: no rows generated for ${table}: ${why}`);
  if (fill.filled.size === 0) return skip('no table could be filled');
  const contents = await readTables(engine, before, fill.filled.keys());

  try {
    await runner.run(migration, 'up');
  } catch (error) {
    return skip(`up failed with rows in the tables: ${messageOf(error)}`);
  }
  if (!input.hasDown) {
    const afterUp = await engine.snapshot();
    const dropped = diffSnapshots(before, afterUp).flatMap((change) => {
      if (change.kind !== 'removed') return [];
      const [kind, ...rest] = change.object.split(' ');
      const name = rest.join(' ');
      const table = kind === 'table' ? name : kind === 'column' ? name.slice(0, name.lastIndexOf('.')) : undefined;
      const rows = table ? (contents.get(table)?.rows.length ?? 0) : 0;
      return rows > 0 ? [{ object: change.object, rows }] : [];
    });
    // A dropped table's columns are said once, with the table.
    const tablesGone = dropped.filter((d) => d.object.startsWith('table ')).map((d) => d.object.slice('table '.length));
    const destructiveUp = dropped.filter((d) => !(d.object.startsWith('column ') && tablesGone.some((t) => d.object.startsWith(`column ${t}.`))));
    return { ran: true, ...(destructiveUp.length ? { destructiveUp } : {}) };
  }
  try {
    await runner.run(migration, 'down');
  } catch (error) {
    return skip(`down failed with rows in the tables: ${messageOf(error)}`);
  }
  const dataLoss = compareContents(contents, await readTables(engine, before, fill.filled.keys()));
  return { ran: true, ...(dataLoss.length ? { dataLoss } : {}) };
}

/**
 * True when a statement cannot change or remove a row of a table from before up: it creates
 * things, adds columns or constraints, reads, or drops what did not exist before.
 */
export function keepsRows(sql: string, before: SchemaSnapshot): boolean {
  const text = sql.replace(/\s+/g, ' ').trim().replace(/;$/, '');
  if (/^(begin|start transaction|commit|end|rollback|savepoint|release|set|show|comment on)\b/i.test(text)) return true;
  if (/^select\b/i.test(text)) return !/\b(nextval|setval|set_config)\s*\(|\binto\b/i.test(text);
  if (/^create\b/i.test(text)) return true;
  if (/^drop (index|view|materialized view|sequence|type|extension|domain|schema)\b/i.test(text)) return !/\bcascade\b/i.test(text);
  const dropTable = /^drop table (if exists )?(.+?)( restrict)?$/i.exec(text);
  if (dropTable && !/\bcascade\b/i.test(text)) return dropTable[2].split(',').every((name) => !existedBefore(name, before));
  const alter = /^alter table (if exists )?(only )?("(?:[^"]|"")+"|\w+)(\."(?:[^"]|"")+"|\.\w+)? (.*)$/i.exec(text);
  if (alter) {
    const table = unquote(`${alter[3]}${alter[4] ?? ''}`);
    if (!before.tables[table]) return true;
    return alter[5].split(/,(?![^(]*\))/).every((action) => {
      const clause = action.trim();
      if (/^add constraint\b/i.test(clause)) return true;
      if (/^add (column )?/i.test(clause) && !/\b(drop|rename|using)\b/i.test(clause)) return true;
      const dropColumn = /^drop (column )?(if exists )?("(?:[^"]|"")+"|\w+)( restrict)?$/i.exec(clause);
      return Boolean(dropColumn && !/^constraint$/i.test(dropColumn[3]) && !before.tables[table].columns[unquote(dropColumn[3])]);
    });
  }
  return false;
}

/**
 * The tables whose rows the risky statements can reach: those they name and, through foreign keys
 * (ON DELETE CASCADE, SET NULL), every table referencing one of them. Undefined (every table) when a
 * statement names none that rollsafe can read.
 */
export function tablesAtRisk(statements: string[], before: SchemaSnapshot): Set<string> | undefined {
  const named = new Set<string>();
  for (const sql of statements) {
    const text = sql.replace(/\s+/g, ' ').trim();
    const target = /^(?:update|delete from|insert into|lock table|alter table(?: if exists)?|drop table(?: if exists)?|truncate(?: table)?)(?: only)? (.+)$/i.exec(text);
    if (!target) return undefined;
    const names = /^(?:drop table|truncate)/i.test(text) ? target[1].split(/\s*,\s*/) : [target[1]];
    for (const raw of names) {
      const name = /^("(?:[^"]|"")+"|\w+)(\."(?:[^"]|"")+"|\.\w+)?/.exec(raw.trim());
      const table = name && unquote(name[0]);
      if (!table) return undefined;
      if (before.tables[table]) named.add(table);
    }
  }
  // Children of a reached table lose rows with it (cascades): add them until nothing changes.
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, table] of Object.entries(before.tables)) {
      if (named.has(name)) continue;
      if (Object.values(table.foreignKeys).some((fk) => named.has(fk.references))) {
        named.add(name);
        grew = true;
      }
    }
  }
  return named;
}

/** A script sent in one query, cut at the semicolons outside quotes (dollar-quoted bodies stay whole). */
export function statementsOf(sql: string): string[] {
  if (sql.includes('$$')) return [sql];
  return sql.split(/;(?=(?:[^']*'[^']*')*[^']*$)/).map((part) => part.trim()).filter(Boolean);
}

function existedBefore(name: string, before: SchemaSnapshot): boolean {
  return Boolean(before.tables[unquote(name.trim())]);
}

/** `"public"."users"` -> `users`, `audit.log` -> `audit.log`. */
export function unquote(name: string): string {
  const parts = name.match(/"(?:[^"]|"")+"|[^.]+/g) ?? [name];
  const plain = parts.map((part) => (part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part.toLowerCase()));
  return (plain[0] === 'public' && plain.length > 1 ? plain.slice(1) : plain).join('.');
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

function debug(message: string): void {
  if (process.env.ROLLSAFE_DEBUG) console.error(`rollsafe: preserves-data: ${message}`);
}
