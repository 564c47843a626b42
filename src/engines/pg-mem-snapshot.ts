// The schema snapshot of a pg-mem database, read from its object model (its information_schema
// and pg_catalog are too thin to rely on).
import { emptySnapshot, normaliseType, qualifiedName, type SchemaSnapshot, type TableSnapshot } from '../schema/snapshot.js';
import { columnDefaults, identitySequences, notes } from './pg-mem-patches.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- pg-mem's internals are untyped */
type Any = any;

const systemSchemas = new Set(['pg_catalog', 'information_schema']);

export function pgMemSnapshot(db: Any): SchemaSnapshot {
  const snapshot = emptySnapshot();
  const extensions = new Set<string>();
  for (const [schemaName, schema] of db.schemas as Map<string, Any>) {
    if (systemSchemas.has(schemaName)) continue;
    if (schemaName !== 'public') snapshot.schemas.push(schemaName);
    for (const extension of schema.installedExtensions as Set<string>) extensions.add(extension);
    for (const relation of schema.relsByNameCas.values()) {
      const key = qualifiedName(schemaName, relation.name);
      switch (relation.type) {
        case 'table':
          if (!relation.hidden) snapshot.tables[key] = tableSnapshot(db, relation);
          break;
        case 'index':
          if (notes.get(relation)?.kind !== 'constraint index') {
            snapshot.indexes[key] = {
              table: qualifiedName(schemaName, relation.onTable.name),
              columns: relation.expressions.map(expressionText),
              unique: !!relation.unique,
              // pg-mem builds every index as a b-tree (it ignores USING).
              method: 'btree',
              ...(relation.predicate ? { predicate: expressionText(relation.predicate) } : {}),
            };
          }
          break;
        case 'sequence':
          if (!identitySequences.has(relation)) {
            snapshot.sequences[key] = { type: typeName(relation.dataType), start: relation.start, increment: relation.inc };
          }
          break;
        case 'view':
          snapshot.views[key] = {
            definition: relation.selection.columns.map((c: Any) => `${c.id} ${typeName(c.type)}`).join(', '),
            materialized: relation.constructor.name !== 'View',
          };
          break;
        case 'type':
          if (Array.isArray(relation.values)) snapshot.enums[key] = [...relation.values];
          break;
      }
    }
  }
  snapshot.schemas.sort();
  snapshot.extensions = [...extensions].sort();
  return snapshot;
}

function tableSnapshot(db: Any, table: Any): TableSnapshot {
  const snapshot: TableSnapshot = { columns: {}, uniques: {}, foreignKeys: {}, checks: {} };
  const serials = db.data.getMap(table.serialsId);
  for (const column of table.columnMgr.values()) {
    const defaultSql = columnDefaults.get(column) ?? (serials.has(column.name) ? 'serial' : undefined);
    snapshot.columns[column.name] = {
      type: typeName(column.expression.type),
      nullable: !column.notNull,
      ...(defaultSql ? { default: defaultSql } : {}),
      ...(column.generated ? { generated: 'identity' } : {}),
    };
  }
  for (const [name, constraint] of table.constraintsByName as Map<string, Any>) {
    const note = notes.get(constraint) ?? (constraint.index && notes.get(constraint.index));
    if (constraint.index) {
      if (note?.kind !== 'constraint index') continue;
      const columns = constraint.index.expressions.map(expressionText);
      if (table.hasPrimary === constraint.index) snapshot.primaryKey = { name, columns };
      else snapshot.uniques[name] = { columns };
    } else if (note?.kind === 'foreign key') {
      snapshot.foreignKeys[name] = {
        columns: note.columns.map((c: Any) => c.name),
        references: qualifiedName(note.foreignTable.ownerSchema.name, note.foreignTable.name),
        referencedColumns: note.foreignColumns.map((c: Any) => c.name),
        onDelete: note.onDelete,
        onUpdate: note.onUpdate,
      };
    } else if (note?.kind === 'check') {
      snapshot.checks[name] = { expression: note.expression };
    }
  }
  return snapshot;
}

function typeName(type: Any): string {
  if (type.of) return `${typeName(type.of)}[]`;
  return normaliseType(type.len ? `${type.name}(${type.len})` : type.name);
}

// pg-mem keeps compiled expressions only: a column by its name, anything else by its stable hash.
function expressionText(value: Any): string {
  return value.id ?? `expression#${String(value.hash).slice(0, 8)}`;
}
