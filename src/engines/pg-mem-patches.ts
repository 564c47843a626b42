// Workarounds for pg-mem 3.0.14 behaviours that would otherwise turn into false findings, plus the
// bookkeeping the snapshot needs (pg-mem keeps no SQL for constraints and defaults).
// Installed once on pg-mem's classes (reached through instances: the bundle exports none of them).
import { createRequire } from 'node:module';

/* eslint-disable @typescript-eslint/no-explicit-any -- pg-mem's internals are untyped */
type Any = any;

/** What the snapshot needs to know of an object that pg-mem does not remember itself. */
export type ObjectNotes =
  | { kind: 'foreign key'; columns: Any[]; foreignTable: Any; foreignColumns: Any[]; onDelete: string; onUpdate: string }
  | { kind: 'check'; expression: string }
  | { kind: 'constraint index' };

/** Notes on constraints (by their pg-mem object), indexes, and column defaults (by column object). */
export const notes = new WeakMap<object, ObjectNotes>();
export const columnDefaults = new WeakMap<object, string>();
/** Sequences pg-mem made for identity columns (random names; Postgres folds them into the column). */
export const identitySequences = new WeakSet<object>();

const installed = Symbol.for('rollsafe.pgMemPatched');
const maxNameLength = 63;

/** Patches pg-mem's table, column and schema classes, once per process. */
export function patchPgMem(pgMem: Any): void {
  const scratch = pgMem.newDb();
  scratch.public.none('create table scratch (a int)');
  const table = scratch.public.getTable('scratch');
  const tableClass = Object.getPrototypeOf(table);
  if (tableClass[installed]) return;
  tableClass[installed] = true;
  const columnClass = Object.getPrototypeOf(table.getColumnRef('a'));
  const schemaClass = Object.getPrototypeOf(scratch.public);
  const { toSql } = createRequire(createRequire(import.meta.url).resolve('pg-mem'))('pgsql-ast-parser');
  const sqlOf = (expr: Any): string => tidySql(toSql.expr(expr));

  let buildingConstraint = 0;
  const duringConstraint = <T>(work: () => T): T => {
    buildingConstraint++;
    try {
      return work();
    } finally {
      buildingConstraint--;
    }
  };

  // pg-mem issue #358: DROP TABLE leaves the table's indexes registered, so re-creating fails.
  const drop = tableClass.drop;
  tableClass.drop = function (this: Any, t: Any, cascade: boolean) {
    const indexes = [...this.indexByHashAndName.values()].flatMap((byName: Map<string, Any>) => [...byName.values()].map((x) => x.index));
    const result = drop.call(this, t, cascade);
    for (const index of indexes) {
      if (this.ownerSchema.getOwnObject(index.name) === index) this.ownerSchema._reg_unregister(index);
    }
    return result;
  };

  // Postgres's default names (`users_pkey`, `users_email_key`, `orders_user_id_fkey`,
  // `users_age_check`, `users_email_idx`), where pg-mem would say `…_fk`, `…_constraint_1`, `…_<hash>_idx`.
  const createIndex = tableClass.createIndex;
  tableClass.createIndex = function (this: Any, t: Any, expressions: Any, type?: string, name?: string) {
    const inConstraint = buildingConstraint > 0 || Array.isArray(expressions);
    if (Array.isArray(expressions) && !name && type === 'unique') {
      name = chooseRelationName(this, expressions.map((e: Any) => e.name), 'key');
    } else if (!Array.isArray(expressions) && !expressions.indexName) {
      const columns = expressions.columns.map((c: Any) => c.value.id ?? 'expr');
      const label = expressions.primary ? 'pkey' : inConstraint && expressions.unique ? 'key' : 'idx';
      expressions = withOverrides(expressions, { indexName: chooseRelationName(this, expressions.primary ? [] : columns, label) });
    }
    const constraint = createIndex.call(this, t, expressions, type, name);
    if (constraint && inConstraint) notes.set(constraint.index ?? constraint, { kind: 'constraint index' });
    return constraint;
  };

  const addConstraint = tableClass.addConstraint;
  tableClass.addConstraint = function (this: Any, constraint: Any, t: Any) {
    return duringConstraint(() => addConstraint.call(this, constraint, t));
  };
  const addConstraints = columnClass.addConstraints;
  columnClass.addConstraints = function (this: Any, constraints: Any, t: Any) {
    return duringConstraint(() => addConstraints.call(this, constraints, t));
  };

  const addForeignKey = tableClass.addForeignKey;
  tableClass.addForeignKey = function (this: Any, constraint: Any, t: Any) {
    const localNames: string[] = constraint.localColumns.map((c: Any) => c.name);
    if (!constraint.constraintName?.name) {
      const name = chooseConstraintName(this, localNames, 'fkey');
      constraint = withOverrides(constraint, { constraintName: { name } });
    }
    const created = addForeignKey.call(this, constraint, t);
    const foreignKey = created?.inner;
    if (created && foreignKey?.foreignTable) {
      notes.set(created, {
        kind: 'foreign key',
        columns: localNames.map((n) => this.getColumnRef(n)),
        foreignTable: foreignKey.foreignTable,
        foreignColumns: constraint.foreignColumns.map((c: Any) => foreignKey.foreignTable.getColumnRef(c.name)),
        onDelete: constraint.onDelete ?? 'no action',
        onUpdate: constraint.onUpdate ?? 'no action',
      });
    }
    return created;
  };

  const addCheck = tableClass.addCheck;
  tableClass.addCheck = function (this: Any, t: Any, check: Any, name?: string) {
    if (!name) {
      const columns = [...new Set(referencedColumns(check))];
      name = chooseConstraintName(this, columns.length === 1 ? columns : [], 'check');
    }
    const expression = sqlOf(check);
    const created = addCheck.call(this, t, check, name);
    notes.set(created, { kind: 'check', expression });
    return created;
  };

  const alterColumn = columnClass.alter;
  columnClass.alter = function (this: Any, alter: Any, t: Any) {
    const result = alterColumn.call(this, alter, t);
    if (alter.type === 'drop default' || (alter.type === 'set default' && alter.default.type === 'null')) columnDefaults.delete(this);
    else if (alter.type === 'set default') columnDefaults.set(this, sqlOf(alter.default));
    return result;
  };

  const createSequence = schemaClass.createSequence;
  schemaClass.createSequence = function (this: Any, t: Any, options: Any, name: Any) {
    const sequence = createSequence.call(this, t, options, name);
    if (!name) identitySequences.add(sequence);
    return sequence;
  };
}

/** Overrides fields of a pg-mem AST node without reading the rest (its usage tracker counts a spread as reading all). */
function withOverrides<T extends object>(original: T, overrides: Record<string, unknown>): T {
  const copy = Object.create(original);
  for (const [key, value] of Object.entries(overrides)) Object.defineProperty(copy, key, { value, enumerable: true });
  return copy;
}

/** pgsql-ast-parser prints `(now () )`; say `now()`, without the outer parentheses. */
function tidySql(sql: string): string {
  let tidy = sql.replace(/(\w) \(/g, '$1(').replace(/\(\s+\)/g, '()').replace(/\s+\)/g, ')').trim();
  while (tidy.startsWith('(') && tidy.endsWith(')') && closesAtEnd(tidy)) tidy = tidy.slice(1, -1).trim();
  return tidy;
}

function closesAtEnd(sql: string): boolean {
  let depth = 0;
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return i === sql.length - 1;
  }
  return false;
}

function referencedColumns(node: Any): string[] {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(referencedColumns);
  if (node.type === 'ref' && typeof node.name === 'string' && node.name !== '*') return [node.name];
  return Object.values(node).flatMap(referencedColumns);
}

/** Postgres's makeObjectName: `table_columns_label`, parts trimmed to fit 63 characters. */
export function makeObjectName(table: string, columns: string, label: string): string {
  let first = table;
  let second = columns;
  const overhead = (second ? 1 : 0) + label.length + 1;
  while (first.length + second.length > maxNameLength - overhead) {
    if (first.length > second.length) first = first.slice(0, -1);
    else second = second.slice(0, -1);
  }
  return [first, second, label].filter(Boolean).join('_');
}

// Postgres tries `label`, then `label1`, `label2`… until the name is free.
function chooseName(table: string, columns: string[], label: string, taken: (name: string) => boolean): string {
  for (let pass = 0; ; pass++) {
    const name = makeObjectName(table, columns.join('_'), pass ? `${label}${pass}` : label);
    if (!taken(name)) return name;
  }
}

function chooseRelationName(table: Any, columns: string[], label: string): string {
  return chooseName(table.name, columns, label, (name) => !!table.ownerSchema.getOwnObject(name) || table.constraintsByName.has(name));
}

function chooseConstraintName(table: Any, columns: string[], label: string): string {
  return chooseName(table.name, columns, label, (name) => table.constraintsByName.has(name));
}
