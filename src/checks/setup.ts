// The database a set's history starts from: what the project runs before its first migration
// (config `setup` and `baseline`, the framework's own connect-time statements), applied after
// every reset so that each replay from empty starts where production's history started.
import { SetupError } from '../setup-error.js';
import type { Engine, SetupScript } from '../types.js';

/** A setup script that the engine cannot run: one line naming the script, never a migration's finding. */
export { SetupError };

/** Makes `engine.reset()` leave the set's setup applied (the engine object itself is kept: runners hold it). */
export function applySetupOnReset(engine: Engine, scripts: SetupScript[] | undefined): void {
  if (!scripts?.length) return;
  const emptyReset = engine.reset.bind(engine);
  engine.reset = async () => {
    await emptyReset();
    for (const script of scripts) await runScript(engine, script);
  };
}

async function runScript(engine: Engine, script: SetupScript): Promise<void> {
  const searchPath = script.dump ? await currentSearchPath(engine) : undefined;
  try {
    await engine.exec(script.sql);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const limit = await engine.isUnsupported(error);
    const hint = limit && engine.name === 'pglite' ? '; use --engine postgres' : '';
    throw new SetupError(`${script.origin} failed on ${engine.name}: ${message}${hint}`, limit || engine.name === 'pg-mem');
  }
  if (searchPath !== undefined) await engine.query(`SELECT pg_catalog.set_config('search_path', $1, false)`, [searchPath]);
}

async function currentSearchPath(engine: Engine): Promise<string | undefined> {
  try {
    return String((await engine.query(`SELECT current_setting('search_path') AS path`)).rows[0]?.path);
  } catch {
    return undefined;
  }
}
