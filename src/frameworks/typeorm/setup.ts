// TypeORM's PostgresDriver creates extensions on connect for what the entities use (uuid
// generation, citext, hstore, ltree, trigram indices, exclusion constraints), before migrating:
// migrations then use them without creating them. The set's migrations say which are relied on.
import { readFile } from 'node:fs/promises';
import type { MigrationSet, SetupScript } from '../../types.js';

const createdOnConnect: [uses: RegExp, extension: string][] = [
  [/\buuid_generate_v[1345]/i, 'uuid-ossp'],
  [/\bcitext\b/i, 'citext'],
  [/\bhstore\b/i, 'hstore'],
  [/\bltree\b/i, 'ltree'],
  [/\b(gin|gist)_trgm_ops\b/i, 'pg_trgm'],
  [/\bEXCLUDE\s+USING\s+gist\b/i, 'btree_gist'],
];

/** `CREATE EXTENSION IF NOT EXISTS` for each extension the migrations use but none of them creates. */
export async function typeormImpliedSetup(set: MigrationSet): Promise<SetupScript[]> {
  const text = (await Promise.all(set.migrations.map((m) => readFile(m.path, 'utf8').catch(() => '')))).join('\n');
  return createdOnConnect
    .filter(([uses, extension]) => uses.test(text) && !createsExtension(text, extension))
    .map(([, extension]) => ({
      sql: `CREATE EXTENSION IF NOT EXISTS "${extension}"`,
      origin: `TypeORM's connect (it creates ${extension} for the entities' columns before migrating)`,
    }));
}

function createsExtension(text: string, extension: string): boolean {
  const name = extension.replace(/-/g, '\\-');
  return new RegExp(`CREATE\\s+EXTENSION\\s+(IF\\s+NOT\\s+EXISTS\\s+)?[\\\\"'\`]*${name}\\b`, 'i').test(text);
}
