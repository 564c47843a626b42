// What the schema snapshot leaves out and drift needs: functions and triggers, by definition.
import type { Database } from '../deploy/server.js';
import { queryRows } from '../deploy/server.js';

export interface CatalogExtras {
  /** `name(identity args)` (schema-qualified outside public) -> md5 of its definition. */
  functions: Record<string, string>;
  /** `trigger on table` -> its definition. */
  triggers: Record<string, string>;
}

const userSchema = `n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'`;
const notFromExtension = (oid: string) => `not exists (select 1 from pg_depend dep where dep.objid = ${oid} and dep.deptype = 'e')`;
const qualified = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);

export async function readExtrasWith(rows: (sql: string) => Promise<Record<string, any>[]>): Promise<CatalogExtras> {
  const extras: CatalogExtras = { functions: {}, triggers: {} };
  for (const f of await rows(`
    select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) as args, md5(pg_get_functiondef(p.oid)) as definition
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prokind in ('f', 'p') and ${userSchema} and ${notFromExtension('p.oid')} order by 1, 2, 3`)) {
    extras.functions[`${qualified(f.nspname, f.proname)}(${f.args})`] = f.definition;
  }
  for (const t of await rows(`
    select n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid) as definition
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where not t.tgisinternal and ${userSchema} order by 1, 2, 3`)) {
    extras.triggers[`${t.tgname} on ${qualified(t.nspname, t.relname)}`] = String(t.definition);
  }
  return extras;
}

export function readExtras(database: Database): Promise<CatalogExtras> {
  return readExtrasWith((sql) => queryRows(database, sql));
}
