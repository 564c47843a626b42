// The engine-neutral picture of a database schema: what the round-trip checks compare.
// Keys of every record are names as Postgres reports them; objects of `public` are unqualified,
// others are `schema.name`, so one engine's snapshot compares equal to itself across runs.

export interface ColumnSnapshot {
  /** Normalised type, e.g. `integer`, `varchar(20)`, `timestamptz`, `text[]`, `mood`. */
  type: string;
  nullable: boolean;
  /** The default expression as the engine prints it; absent when there is none. */
  default?: string;
  /** `always`/`by default` for identity columns, `stored` for generated ones. */
  generated?: string;
}

export interface ForeignKeySnapshot {
  columns: string[];
  /** Referenced table, keyed like `SchemaSnapshot.tables`. */
  references: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface TableSnapshot {
  /** Columns in table order (insertion order of the record). */
  columns: Record<string, ColumnSnapshot>;
  primaryKey?: { name: string; columns: string[] };
  /** Unique constraints (not unique indexes), by constraint name. */
  uniques: Record<string, { columns: string[] }>;
  foreignKeys: Record<string, ForeignKeySnapshot>;
  /** Check constraints by name: their expression as the engine prints it. */
  checks: Record<string, { expression: string }>;
}

/** An index that is not the backing index of a primary key or unique constraint. */
export interface IndexSnapshot {
  table: string;
  /** Column names, or the expression text for expression columns. */
  columns: string[];
  unique: boolean;
  method: string;
  predicate?: string;
}

export interface SequenceSnapshot {
  type: string;
  start: number;
  increment: number;
}

export interface ViewSnapshot {
  /** The engine's normalised definition (pg-mem: its output columns, as it keeps no SQL). */
  definition: string;
  materialized: boolean;
}

export interface SchemaSnapshot {
  /** Schemas other than `public` and the system ones. */
  schemas: string[];
  extensions: string[];
  tables: Record<string, TableSnapshot>;
  indexes: Record<string, IndexSnapshot>;
  sequences: Record<string, SequenceSnapshot>;
  /** Enum types and their labels, in order. */
  enums: Record<string, string[]>;
  views: Record<string, ViewSnapshot>;
}

export function emptySnapshot(): SchemaSnapshot {
  return { schemas: [], extensions: [], tables: {}, indexes: {}, sequences: {}, enums: {}, views: {} };
}

/** `users` for public, `audit.users` elsewhere. */
export function qualifiedName(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

// Postgres's own spellings (format_type) mapped to the short forms people write.
const typeAliases: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  float: 'double precision',
  bool: 'boolean',
  'character varying': 'varchar',
  character: 'char',
  bpchar: 'char',
  decimal: 'numeric',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

/** One spelling per type: `character varying(20)` -> `varchar(20)`, `int4` -> `integer`, `_text` -> `text[]`. */
export function normaliseType(raw: string): string {
  let type = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  let arraySuffix = '';
  while (type.endsWith('[]')) {
    arraySuffix += '[]';
    type = type.slice(0, -2).trim();
  }
  if (type.startsWith('_') && !arraySuffix) {
    arraySuffix = '[]';
    type = type.slice(1);
  }
  // Modifiers sit in the middle for `timestamp(3) with time zone`; keep them at the end.
  const modifier = /\(([^)]*)\)/.exec(type);
  const base = type.replace(/\s*\([^)]*\)\s*/, ' ').trim();
  const mods = modifier ? `(${modifier[1].replace(/\s+/g, '')})` : '';
  return `${typeAliases[base] ?? base}${mods}${arraySuffix}`;
}
