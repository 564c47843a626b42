// What the runners share when a migration fails or cannot be called: one MigrationRunError, placed
// on the statement's line when the runner traced it, else on the migration's own stack frame.
import { firstParagraph, frameIn } from '../load/index.js';
import { MigrationRunError, type Direction, type SourceLocation } from '../types.js';
import type { RunnerContext } from './adapter.js';

/** The function a migration module exports for `direction`; a clear error when it has none. */
export function exportedAction(loaded: Record<string, unknown>, direction: Direction): (...args: unknown[]) => unknown {
  const action = loaded[direction];
  if (typeof action !== 'function') throw new MigrationRunError(`the migration exports no ${direction} function`);
  return action as (...args: unknown[]) => unknown;
}

/** A failure as a MigrationRunError: the engine says whether it is its own limit. */
export async function statementRunError(
  error: unknown,
  file: string,
  context: RunnerContext,
  statement: { sql?: string; loc?: SourceLocation } = {},
): Promise<MigrationRunError> {
  if (error instanceof MigrationRunError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const loc = statement.loc ?? frameIn(error instanceof Error ? (error.stack ?? '') : '', file);
  return new MigrationRunError(firstParagraph(message), loc, statement.sql, await context.engine.isUnsupported(error));
}
