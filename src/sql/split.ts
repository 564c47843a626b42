import { findSqlComments, trimTrivia } from './comments.js';
import { byteOffsetToIndex, codePointOffsetToIndex, LineIndex } from './positions.js';

/** One top-level statement of a SQL text, with its place in that text. */
export interface SqlStatement {
  /** The statement's text, without leading comments and the closing semicolon. */
  sql: string;
  /** 1-based line and column of its first token. */
  line: number;
  column: number;
  /** 1-based line of its last token. */
  endLine: number;
  /** The libpg-query parse tree node, e.g. `{ CreateStmt: {...} }`. */
  node: unknown;
}

/** The SQL does not parse; `line`/`column` (1-based) point where Postgres stopped. */
export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

interface RawStatement {
  stmt?: unknown;
  stmt_location?: number;
  stmt_len?: number;
}

type Parser = (sql: string) => Promise<{ stmts?: RawStatement[] }>;
let parser: Promise<Parser> | undefined;

// libpg-query is WASM: load it only when a SQL text is actually analysed.
function loadParser(): Promise<Parser> {
  parser ??= import('libpg-query').then(async (module) => {
    await module.loadModule();
    return module.parse as unknown as Parser;
  });
  return parser;
}

/** Splits SQL into its statements with the real Postgres parser; throws SqlSyntaxError when it does not parse. */
export async function splitStatements(sql: string): Promise<SqlStatement[]> {
  const parse = await loadParser();
  let tree: { stmts?: RawStatement[] };
  try {
    tree = await parse(sql);
  } catch (error) {
    throw toSyntaxError(error, sql);
  }
  const toIndex = byteOffsetToIndex(sql);
  const lines = new LineIndex(sql);
  const comments = findSqlComments(sql);
  const statements: SqlStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    const startByte = raw.stmt_location ?? 0;
    // stmt_len 0 (omitted) means "to the end of the input".
    const rawEnd = raw.stmt_len ? toIndex(startByte + raw.stmt_len) : sql.length;
    const [start, end] = trimTrivia(sql, toIndex(startByte), rawEnd, comments);
    const text = sql.slice(start, end).replace(/;\s*$/, '');
    const first = lines.position(start);
    statements.push({
      sql: text,
      line: first.line,
      column: first.column,
      endLine: lines.position(Math.max(start, end - 1)).line,
      node: raw.stmt,
    });
  }
  return statements;
}

function toSyntaxError(error: unknown, sql: string): Error {
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  if (!details) return error instanceof Error ? error : new Error(String(error));
  const index = codePointOffsetToIndex(sql, details.cursorPosition ?? 0);
  const { line, column } = new LineIndex(sql).position(index);
  return new SqlSyntaxError(details.message ?? (error as Error).message, line, column);
}
