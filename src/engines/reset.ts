// Empties a real Postgres database in place: cheaper than a new PGlite instance, and complete
// (schemas with everything in them, extensions, types, session state).
const resetScript = `
rollback;
reset all;
do $$
declare
  item record;
begin
  -- Schemas first: dropping an extension whose objects an index still uses can fail after a rolled-back
  -- transaction touched it ("cache lookup failed for function", pg_trgm's gist_trgm_ops, Postgres and PGlite alike).
  for item in select nspname from pg_namespace
    where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg\\_%' loop
    execute format('drop schema %I cascade', item.nspname);
  end loop;
  for item in select extname from pg_extension where extname <> 'plpgsql' loop
    execute format('drop extension if exists %I cascade', item.extname);
  end loop;
  for item in select evtname from pg_event_trigger loop
    execute format('drop event trigger %I', item.evtname);
  end loop;
end $$;
create schema public authorization pg_database_owner;
grant usage on schema public to public;
comment on schema public is 'standard public schema';
`;

export async function resetDatabase(exec: (sql: string) => Promise<unknown>): Promise<void> {
  await exec(resetScript);
}
