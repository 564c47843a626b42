// Real servers keep a set's replayed history as a template database: the next run that needs the
// same earlier migrations copies it (a fraction of a second) instead of replaying them (seconds).
import { createHash } from 'node:crypto';
import type { Engine, MigrationFile, MigrationRunner, MigrationSet } from '../types.js';
import type { ReplayCache } from './replay-cache.js';

export interface TemplateInput {
  engine: Engine;
  runner: MigrationRunner;
  set: MigrationSet;
  replayCache: ReplayCache;
}

/**
 * Brings a fresh engine to "migrations 0..index-1 applied" from a kept template, or replays them and
 * keeps the result for next time. Returns how many migrations the engine holds: 0 when it could not
 * (the protocol then replays, and reports what fails, as usual).
 */
export async function startFromTemplate(
  { engine, runner, set, replayCache }: TemplateInput,
  index: number,
  /** Told before each migration replayed, so the watchdog gives each its own window. */
  onReplay?: (migration: MigrationFile) => void,
): Promise<number> {
  if (!engine.templates || index === 0) return 0;
  const key = replayCache.keyOf(index - 1);
  const group = createHash('sha256').update(set.dir).digest('hex');
  if (await engine.templates.restore(key, group)) return index;
  try {
    await engine.reset();
    for (let position = 0; position < index; position++) {
      onReplay?.(set.migrations[position]);
      const recorded = replayCache.statementsOf(position);
      if (recorded) {
        for (const statement of recorded) await engine.query(statement.sql, statement.params);
        continue;
      }
      engine.statementLog = [];
      try {
        await runner.run(set.migrations[position], 'up');
        replayCache.record(position, engine.statementLog);
      } finally {
        engine.statementLog = undefined;
      }
    }
  } catch {
    return 0;
  }
  await engine.templates.save(key, group);
  return index;
}
