// The schema snapshot of a real Postgres (server or PGlite), read from pg_catalog.
import type { QueryResult } from '../types.js';
import { emptySnapshot, normaliseType, qualifiedName, type SchemaSnapshot, type TableSnapshot } from '../schema/snapshot.js';

type Query = (sql: string) => Promise<QueryResult>;

// Objects of the system schemas and of extensions are not the migration's doing.
const userSchema = `n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'`;
const notFromExtension = (oid: string) =>
  `not exists (select 1 from pg_depend dep where dep.objid = ${oid} and dep.deptype = 'e')`;
const attributeNames = (rel: string, keys: string) => `to_json(array(
  select a.attname from unnest(${keys}) with ordinality k(num, ord)
  join pg_attribute a on a.attrelid = ${rel} and a.attnum = k.num order by k.ord))`;

const fkActions: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

export async function catalogSnapshot(query: Query): Promise<SchemaSnapshot> {
  const snapshot = emptySnapshot();
  const rows = async (sql: string) => (await query(sql)).rows as Record<string, any>[];

  for (const r of await rows(`select n.nspname from pg_namespace n where ${userSchema} and n.nspname <> 'public' order by 1`)) {
    snapshot.schemas.push(r.nspname);
  }
  for (const r of await rows(`select extname from pg_extension where extname <> 'plpgsql' order by 1`)) {
    snapshot.extensions.push(r.extname);
  }

  const tables = await rows(`
    select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and ${userSchema} and ${notFromExtension('c.oid')} order by 1, 2`);
  for (const t of tables) {
    snapshot.tables[qualifiedName(t.nspname, t.relname)] = { columns: {}, uniques: {}, foreignKeys: {}, checks: {} };
  }
  const tableOf = (schema: string, name: string): TableSnapshot | undefined => snapshot.tables[qualifiedName(schema, name)];

  for (const col of await rows(`
    select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) as type,
      not a.attnotnull as nullable, pg_get_expr(d.adbin, d.adrelid) as "default",
      a.attidentity, a.attgenerated
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and ${userSchema}
    order by n.nspname, c.relname, a.attnum`)) {
    const table = tableOf(col.nspname, col.relname);
    if (!table) continue;
    const generated = col.attidentity === 'a' ? 'always' : col.attidentity === 'd' ? 'by default' : col.attgenerated === 's' ? 'stored' : undefined;
    table.columns[col.attname] = {
      type: normaliseType(col.type),
      nullable: col.nullable,
      ...(col.default != null ? { default: col.default } : {}),
      ...(generated ? { generated } : {}),
    };
  }

  for (const con of await rows(`
    select n.nspname, c.relname, con.conname, con.contype,
      ${attributeNames('con.conrelid', 'con.conkey')} as columns,
      fn.nspname as ref_schema, fc.relname as ref_table,
      ${attributeNames('con.confrelid', 'con.confkey')} as ref_columns,
      con.confdeltype, con.confupdtype, pg_get_constraintdef(con.oid, true) as definition
    from pg_constraint con
    join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
    left join pg_class fc on fc.oid = con.confrelid left join pg_namespace fn on fn.oid = fc.relnamespace
    where con.contype in ('p', 'u', 'f', 'c', 'x') and ${userSchema}
    order by n.nspname, c.relname, con.conname`)) {
    const table = tableOf(con.nspname, con.relname);
    if (!table) continue;
    const columns: string[] = con.columns ?? [];
    if (con.contype === 'p') table.primaryKey = { name: con.conname, columns };
    else if (con.contype === 'u') table.uniques[con.conname] = { columns };
    else if (con.contype === 'f') {
      table.foreignKeys[con.conname] = {
        columns,
        references: qualifiedName(con.ref_schema, con.ref_table),
        referencedColumns: con.ref_columns ?? [],
        onDelete: fkActions[con.confdeltype] ?? con.confdeltype,
        onUpdate: fkActions[con.confupdtype] ?? con.confupdtype,
      };
    } else table.checks[con.conname] = { expression: withoutCastsToOwnType(con.definition, table) };
  }

  for (const ix of await rows(`
    select n.nspname, i.relname as name, t.relname as table_name, ix.indisunique, am.amname,
      pg_get_expr(ix.indpred, ix.indrelid, true) as predicate,
      to_json(array(select pg_get_indexdef(ix.indexrelid, k, true) from generate_series(1, ix.indnkeyatts) k order by k)) as columns
    from pg_index ix
    join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid
    join pg_namespace n on n.oid = i.relnamespace join pg_am am on am.oid = i.relam
    where ${userSchema} and ${notFromExtension('t.oid')}
      and not exists (select 1 from pg_constraint con where con.conindid = ix.indexrelid and con.contype in ('p', 'u', 'x'))
    order by 1, 2`)) {
    snapshot.indexes[qualifiedName(ix.nspname, ix.name)] = {
      table: qualifiedName(ix.nspname, ix.table_name),
      columns: ix.columns,
      unique: ix.indisunique,
      method: ix.amname,
      ...(ix.predicate != null ? { predicate: ix.predicate } : {}),
    };
  }

  for (const seq of await rows(`
    select n.nspname, c.relname, format_type(s.seqtypid, null) as type, s.seqstart, s.seqincrement
    from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
    where ${userSchema} and ${notFromExtension('c.oid')} order by 1, 2`)) {
    snapshot.sequences[qualifiedName(seq.nspname, seq.relname)] = {
      type: normaliseType(seq.type),
      start: Number(seq.seqstart),
      increment: Number(seq.seqincrement),
    };
  }

  for (const e of await rows(`
    select n.nspname, t.typname,
      to_json(array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder)) as labels
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where t.typtype = 'e' and ${userSchema} and ${notFromExtension('t.oid')} order by 1, 2`)) {
    snapshot.enums[qualifiedName(e.nspname, e.typname)] = e.labels;
  }

  for (const v of await rows(`
    select n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid, true) as definition
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and ${userSchema} and ${notFromExtension('c.oid')} order by 1, 2`)) {
    snapshot.views[qualifiedName(v.nspname, v.relname)] = {
      definition: String(v.definition).replace(/\s+/g, ' ').trim(),
      materialized: v.relkind === 'm',
    };
  }
  return snapshot;
}

/**
 * A check over a column whose type changed and changed back keeps the cast Postgres added in
 * between (`amount >= 0` becomes `amount::numeric >= 0::numeric`): the same constraint, which a
 * round trip must not report. A cast of a bare column to the type it already has is dropped.
 */
function withoutCastsToOwnType(expression: string, table: TableSnapshot): string {
  let result = expression;
  for (const [name, column] of Object.entries(table.columns)) {
    const baseType = column.type.replace(/\(.*\)$/, '');
    const quoted = /^[a-z_][a-z0-9_]*$/.test(name) ? escapeRegExp(name) : `"${escapeRegExp(name.replace(/"/g, '""'))}"`;
    const cast = new RegExp(`(^|[^\\w."])(?:\\((${quoted})\\)|(${quoted}))::${escapeRegExp(baseType)}(?![\\w(\\[])`, 'g');
    result = result.replace(cast, '$1$2$3');
  }
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
