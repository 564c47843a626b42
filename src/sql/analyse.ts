import type { Direction, Operation, SourceLocation } from '../types.js';
import { GuardReader } from './guards.js';
import { splitStatements, SqlSyntaxError, type SqlStatement } from './split.js';
import { runsOutsideTransaction } from './transaction.js';

/** What the static reader learnt from one piece of SQL. */
export interface SqlAnalysis {
  statements: SqlStatement[];
  operations: Operation[];
  /** False when a statement cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM…). */
  transactional: boolean;
  parseError?: { message: string; loc: SourceLocation };
}

export interface SqlAnalysisOptions {
  file: string;
  direction: Direction;
  /** Where the SQL starts in `file` (SQL inside a code string); 1-based, default 1. */
  baseLine?: number;
  baseColumn?: number;
}

/** Statements, schema changes with their guards, and transaction needs of a SQL text, without a database. */
export async function analyseSql(sql: string, options: SqlAnalysisOptions): Promise<SqlAnalysis> {
  const place = placer(options);
  let statements: SqlStatement[];
  try {
    statements = await splitStatements(sql);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    return { statements: [], operations: [], transactional: true, parseError: { message: error.message, loc: place(error.line, error.column) } };
  }
  const guards = new GuardReader();
  const operations: Operation[] = [];
  for (const statement of statements) {
    for (const verdict of guards.read(statement.node, statement.sql)) {
      operations.push({ direction: options.direction, ...verdict, loc: place(statement.line, statement.column) });
    }
  }
  const placed = statements.map((statement) => {
    const { line, column } = place(statement.line, statement.column);
    return { ...statement, line, column, endLine: statement.endLine + line - statement.line };
  });
  return {
    statements: placed,
    operations,
    transactional: !statements.some((statement) => runsOutsideTransaction(statement.node)),
  };
}

// Only the SQL's first line is shifted right: later lines start at the file's column 1.
function placer(options: SqlAnalysisOptions): (line: number, column: number) => SourceLocation {
  const baseLine = options.baseLine ?? 1;
  const baseColumn = options.baseColumn ?? 1;
  return (line, column) => ({
    file: options.file,
    line: baseLine + line - 1,
    column: line === 1 ? baseColumn + column - 1 : column,
  });
}
