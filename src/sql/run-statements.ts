import { MigrationRunError, type Engine } from '../types.js';
import { splitStatements, SqlSyntaxError } from './split.js';

/** A SQL text to run, and where it sits in the user's file (for the failing statement's line). */
export interface SqlScript {
  sql: string;
  file: string;
  /** 1-based line of `file` where `sql` starts; default 1. */
  baseLine?: number;
}

/**
 * Runs a plain-SQL migration statement by statement, so a failure names the statement that failed.
 * Throws MigrationRunError with that statement's place in the file.
 */
export async function runSqlScript(engine: Engine, script: SqlScript): Promise<void> {
  const baseLine = script.baseLine ?? 1;
  let statements;
  try {
    statements = await splitStatements(script.sql);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    // Postgres parses a whole script before running any of it: nothing has run.
    throw new MigrationRunError(error.message, { file: script.file, line: baseLine + error.line - 1, column: error.column });
  }
  let openedTransaction = false;
  for (const statement of statements) {
    const loc = { file: script.file, line: baseLine + statement.line - 1, column: statement.column };
    try {
      // One statement, no parameters: `query` suits every statement a migration file holds.
      await engine.query(statement.sql);
    } catch (error) {
      // Leave the engine usable for the next step when the migration's own BEGIN is left open.
      if (openedTransaction) await engine.query('ROLLBACK').catch(() => undefined);
      throw new MigrationRunError(errorMessage(error), loc, statement.sql, await engine.isUnsupported(error));
    }
    const transaction = transactionKind(statement.node);
    if (transaction === 'begin') openedTransaction = true;
    if (transaction === 'end') openedTransaction = false;
  }
}

function transactionKind(node: unknown): 'begin' | 'end' | undefined {
  const kind = (node as { TransactionStmt?: { kind?: string } }).TransactionStmt?.kind;
  if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') return 'begin';
  if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') return 'end';
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
