// The schema a database's applied migrations produce: replayed, in order, on a scratch database of the same server.
import { loadConfig } from '../config/index.js';
import { discoverSets } from '../discover/index.js';
import { createPostgresEngine } from '../engines/postgres.js';
import { loadAdapter } from '../frameworks/index.js';
import { importMigration, requireFromProject } from '../load/index.js';
import type { SchemaSnapshot } from '../schema/snapshot.js';
import { pendingMigrations } from '../deploy/pending.js';
import { DeployError, type Database } from '../deploy/server.js';
import { readExtrasWith, type CatalogExtras } from './extras.js';

export async function replayApplied(databaseUrl: string, live: Database, options: { cwd: string; configPath?: string }): Promise<{ snapshot: SchemaSnapshot; extras: CatalogExtras }> {
  const config = await loadConfig(options.cwd, options.configPath);
  const sets = await discoverSets(options.cwd, { sets: config.sets?.map((s) => ({ dir: s.dir, framework: s.framework, setupScripts: s.setupScripts })) });
  if (sets.length === 0) throw new DeployError(`no migration sets found under ${options.cwd} to compare ${live.name} with`);
  const bySet = await pendingMigrations(live, sets);
  const engine = await createPostgresEngine({ databaseUrl });
  try {
    for (const { set, pending } of bySet) {
      const applied = set.migrations.filter((m) => !pending.includes(m));
      if (applied.length === 0) continue;
      const adapter = await loadAdapter(set.framework);
      // The set's history starts where production's did: its setup, then what the framework does on connect.
      for (const script of [...(set.setup ?? []), ...((await adapter.impliedSetup?.(set)) ?? [])]) {
        try {
          await engine.exec(script.sql);
        } catch (error) {
          throw new DeployError(`${script.origin} failed: ${(error as Error).message.split('\n')[0]}`);
        }
      }
      const runner = await adapter.createRunner({
        engine,
        set,
        importMigration: (path) => importMigration(path, set.projectDir),
        requireFromProject: <T>(specifier: string) => requireFromProject<T>(specifier, set.projectDir),
      });
      try {
        for (const migration of applied) {
          try {
            await runner.run(migration, 'up');
          } catch (error) {
            throw new DeployError(`replaying ${migration.id} failed: ${(error as Error).message.split('\n')[0]}`);
          }
        }
      } finally {
        await runner.close();
      }
    }
    return {
      snapshot: await engine.snapshot(),
      extras: await readExtrasWith(async (sql) => (await engine.query(sql)).rows as Record<string, any>[]),
    };
  } finally {
    await engine.close();
  }
}
