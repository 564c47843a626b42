// SQL analysis with the real Postgres parser (libpg-query, WASM, loaded on first use).
export { splitStatements, SqlSyntaxError, type SqlStatement } from './split.js';
export { analyseSql, type SqlAnalysis, type SqlAnalysisOptions } from './analyse.js';
export { runsOutsideTransaction } from './transaction.js';
export { findSqlComments, type SqlComment } from './comments.js';
export { runSqlScript, type SqlScript } from './run-statements.js';
