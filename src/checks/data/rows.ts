// Generated rows for every table of a schema: values that fit each column's type, NOT NULL, unique
// and foreign keys (parents first), and check constraints when a literal of the check fits. A table
// no valid row can be made for is skipped with the reason, never reported on.
import type { ColumnSnapshot, SchemaSnapshot, TableSnapshot } from '../../schema/snapshot.js';
import type { Engine } from '../../types.js';

export const rowsPerTable = 3;

export interface FillOutcome {
  /** Tables that now hold generated rows, and how many each. */
  filled: Map<string, number>;
  /** Tables left empty, and why. */
  skipped: Map<string, string>;
}

/** `"audit"."users"` for `audit.users`, `"users"` for `users`. */
export function quoteTable(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface FillOptions {
  /** Rows per table (default `rowsPerTable`). */
  rows?: number;
  /** The last row leaves every nullable column that is no foreign key NULL (what a backfill looks for). */
  nullRow?: boolean;
}

/**
 * Inserts rows into every table of `schema` (or only those of `only`, and the tables they reference),
 * parents before the tables whose foreign keys point at them.
 */
export async function fillTables(engine: Engine, schema: SchemaSnapshot, only?: Set<string>, options: FillOptions = {}): Promise<FillOutcome> {
  const count = options.rows ?? rowsPerTable;
  const outcome: FillOutcome = { filled: new Map(), skipped: new Map() };
  // Values inserted per table and column, so children can point at rows that exist.
  const inserted = new Map<string, Record<string, string>[]>();
  const needed = only && withParents(schema, only);
  for (const name of parentsFirst(schema)) {
    if (needed && !needed.has(name)) continue;
    const table = schema.tables[name];
    const made: Record<string, string>[] = [];
    let reason = '';
    for (let row = 0; row < count; row++) {
      const attempts = rowAttempts(schema, name, table, row, inserted, options.nullRow === true && row === count - 1);
      if (typeof attempts === 'string') {
        reason = attempts;
        break;
      }
      for (const values of attempts) {
        const columns = Object.keys(values);
        const sql = columns.length
          ? `INSERT INTO ${quoteTable(name)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map((c) => values[c]).join(', ')})`
          : `INSERT INTO ${quoteTable(name)} DEFAULT VALUES`;
        try {
          const result = await engine.query(`${sql} RETURNING *`);
          made.push(literalsOf(result.rows[0] ?? {}, values));
          reason = '';
          break;
        } catch (error) {
          reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        }
      }
    }
    inserted.set(name, made);
    if (made.length > 0) outcome.filled.set(name, made.length);
    else outcome.skipped.set(name, reason || 'no row could be made');
  }
  return outcome;
}

/** `tables` and every table a row of theirs must reference (NOT NULL foreign keys; nullable ones are left NULL). */
function withParents(schema: SchemaSnapshot, tables: Set<string>): Set<string> {
  const all = new Set<string>();
  const add = (name: string) => {
    if (all.has(name) || !schema.tables[name]) return;
    all.add(name);
    const table = schema.tables[name];
    for (const fk of Object.values(table.foreignKeys)) {
      if (fk.columns.some((column) => !table.columns[column]?.nullable)) add(fk.references);
    }
  };
  for (const name of tables) add(name);
  return all;
}

/** Tables ordered so that every foreign key's table comes after the table it references (cycles keep their order). */
export function parentsFirst(schema: SchemaSnapshot): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.has(name) || !schema.tables[name]) return;
    state.set(name, 'visiting');
    for (const fk of Object.values(schema.tables[name].foreignKeys)) if (fk.references !== name) visit(fk.references);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(schema.tables).sort()) visit(name);
  return order;
}

/** The value lists to try for one row, best first; a string says why none can be made. */
function rowAttempts(
  schema: SchemaSnapshot,
  name: string,
  table: TableSnapshot,
  row: number,
  inserted: Map<string, Record<string, string>[]>,
  nulls = false,
): Record<string, string>[] | string {
  const base: Record<string, string> = {};
  for (const fk of Object.values(table.foreignKeys)) {
    const parentRows = inserted.get(fk.references) ?? [];
    const parent = parentRows[row % Math.max(1, parentRows.length)];
    const usable = parent && fk.referencedColumns.every((c) => parent[c] !== undefined && parent[c] !== 'NULL');
    fk.columns.forEach((column, i) => {
      if (usable) base[column] = parent[fk.referencedColumns[i]];
      else if (table.columns[column]?.nullable) base[column] = 'NULL';
    });
    if (!usable && fk.columns.some((c) => !table.columns[c]?.nullable)) return `no row of ${fk.references} to reference`;
  }
  for (const [column, info] of Object.entries(table.columns)) {
    if (column in base || leftToDefault(info)) continue;
    if (nulls && info.nullable) {
      base[column] = 'NULL';
      continue;
    }
    const value = valueFor(info.type, column, row, schema);
    if (value !== undefined) base[column] = value;
    else if (info.nullable) base[column] = 'NULL';
    else if (info.default === undefined) return `no value for column ${column} of type ${info.type}`;
  }

  const attempts = [base];
  const checked = Object.keys(base).filter((column) => Object.values(table.checks).some((check) => mentions(check.expression, column)));
  if (checked.length > 0) {
    const literals = Object.values(table.checks).flatMap((check) => literalsIn(check.expression));
    for (let k = 0; k < Math.min(literals.length, 6); k++) {
      const attempt = { ...base };
      for (const column of checked) attempt[column] = literals[(k + row) % literals.length];
      attempts.push(attempt);
    }
    // A CHECK holds on NULL: leave the checked columns to NULL or their default where allowed.
    const relaxed = { ...base };
    for (const column of checked) {
      if (table.columns[column]?.default !== undefined) delete relaxed[column];
      else if (table.columns[column]?.nullable) relaxed[column] = 'NULL';
    }
    attempts.push(relaxed);
  }
  return attempts;
}

function mentions(expression: string, column: string): boolean {
  return new RegExp(`(^|[^\\w"])"?${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?($|[^\\w"])`).test(expression);
}

/** String and number literals of a check expression, as SQL literals. */
function literalsIn(expression: string): string[] {
  const strings = [...expression.matchAll(/'((?:[^']|'')*)'/g)].map((m) => `'${m[1]}'`);
  const numbers = [...expression.replace(/'(?:[^']|'')*'/g, '').matchAll(/(?<![\w.])(-?\d+(?:\.\d+)?)(?![\w.])/g)].flatMap((m) => {
    const n = Number(m[1]);
    return [String(n), String(n + 1)];
  });
  return [...strings, ...numbers];
}

/** The values of an inserted row as SQL literals, for children to reference. */
function literalsOf(row: Record<string, unknown>, sent: Record<string, string>): Record<string, string> {
  const literals: Record<string, string> = { ...sent };
  for (const [column, value] of Object.entries(row)) {
    if (value === null || value === undefined) literals[column] = 'NULL';
    else if (typeof value === 'number' || typeof value === 'bigint') literals[column] = String(value);
    else if (!(column in sent)) literals[column] = `'${String(value instanceof Date ? value.toISOString() : value).replace(/'/g, "''")}'`;
  }
  return literals;
}

/**
 * A literal for row `row` of a column: distinct per row (unique constraints), and carrying what a lossy
 * change would lose: fractions, times of day, text longer than a short varchar.
 */
export function valueFor(type: string, column: string, row: number, schema: SchemaSnapshot): string | undefined {
  if (type.endsWith('[]')) {
    const element = valueFor(type.slice(0, -2), column, row, schema);
    return element === undefined ? undefined : `ARRAY[${element}]::${type}`;
  }
  const n = row + 1;
  const mods = /\((\d+)(?:,(\d+))?\)$/.exec(type);
  const base = type.replace(/\(.*\)$/, '');
  const labels = schema.enums[type] ?? schema.enums[base];
  if (labels) return labels.length ? `'${labels[row % labels.length].replace(/'/g, "''")}'` : undefined;
  switch (base) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return String(100 + n * 7);
    case 'numeric': {
      const precision = mods ? Number(mods[1]) : 12;
      const scale = mods?.[2] ? Number(mods[2]) : mods ? 0 : 2;
      if (scale === 0) return String(100 + n * 7).slice(-Math.max(1, precision));
      const whole = precision - scale >= 2 ? String(10 + n) : precision - scale === 1 ? String(n) : '0';
      return `${whole}.${'75'.repeat(scale).slice(0, scale)}`;
    }
    case 'real':
    case 'double precision':
      return `${n}.25`;
    case 'boolean':
      return row % 2 === 0 ? 'true' : 'false';
    case 'text':
    case 'varchar':
    case 'char':
    case 'citext': {
      const text = `${n}-${column}-kept-${'abcdefghijklmnopqrstuvwxyz'.repeat(2)}`.replace(/'/g, '');
      return `'${mods ? text.slice(0, Number(mods[1])) : text}'`;
    }
    case 'date':
      return `'2024-0${n}-1${n}'`;
    case 'timestamp':
      return `'2024-0${n}-1${n} 1${n}:2${n}:3${n}.25'`;
    case 'timestamptz':
      return `'2024-0${n}-1${n} 1${n}:2${n}:3${n}.25+00'`;
    case 'time':
      return `'1${n}:2${n}:3${n}'`;
    case 'interval':
      return `'${n} days 3 hours'`;
    case 'uuid':
      return `'00000000-0000-4000-8000-00000000000${n}'`;
    case 'json':
    case 'jsonb':
      return `'{"row": ${n}, "note": "kept"}'`;
    case 'bytea':
      return `'\\x0${n}ff'`;
    case 'inet':
      return `'10.0.0.${n}'`;
    case 'cidr':
      return `'10.0.${n}.0/24'`;
    default:
      return undefined;
  }
}

/** Identity, generated and serial columns: the engine numbers them. */
function leftToDefault(info: ColumnSnapshot): boolean {
  return Boolean(info.generated) || /nextval\(/i.test(info.default ?? '');
}
