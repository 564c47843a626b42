// The static model of a knex migration: its up/down, the schema builder calls each makes, and
// whether each call is guarded against a second run.
import { Node } from '../ts-morph.js';
import type { CallExpression } from 'ts-morph';
import type { Direction, MigrationModel, Operation } from '../../types.js';
import {
  analyseEmbeddedSql,
  callsIn,
  findExports,
  guardConditions,
  isFunctionNode,
  literalString,
  byPosition,
  locationOf,
  parameterName,
  resolveValue,
  readMigrationSource,
  unwrap,
  exportedDownModel,
} from '../ts-source.js';
import type { ExistenceCheck, FunctionNode, GuardCondition } from '../ts-source.js';

/** How one schema-level builder call behaves on a second run (knex's pg dialect decides the SQL). */
interface SchemaMethod {
  /** The builder emits IF [NOT] EXISTS / OR REPLACE itself. */
  selfGuarded?: boolean;
  /** Re-running it is harmless, so it is no operation worth reporting. */
  idempotent?: boolean;
  /** Which existence check, answered how, makes it safe: `table` is the call's first argument. */
  guardedBy?: (name: string, args: (string | undefined)[]) => (c: GuardCondition) => boolean;
  fix?: (name: string, args: (string | undefined)[]) => string;
}

const tableAbsent = (name: string) => (c: GuardCondition) => isCheck(c, 'hasTable', name) && !c.exists;
const tablePresent = (name: string) => (c: GuardCondition) => isCheck(c, 'hasTable', name) && c.exists;

function isCheck(condition: GuardCondition, kind: string, table: string, column?: string): boolean {
  const [checkedTable, checkedColumn] = condition.check.args;
  return (
    condition.check.kind === kind &&
    checkedTable === table &&
    (column === undefined || checkedColumn === undefined || checkedColumn === column)
  );
}

const quote = (text: string | undefined) => `'${text ?? '…'}'`;

const schemaMethods: Record<string, SchemaMethod> = {
  createTable: {
    guardedBy: (table) => tableAbsent(table),
    fix: (table) => `create it only when missing: \`if (!(await knex.schema.hasTable(${quote(table)}))) { … }\``,
  },
  createTableLike: {
    guardedBy: (table) => tableAbsent(table),
    fix: (table) => `create it only when missing: \`if (!(await knex.schema.hasTable(${quote(table)}))) { … }\``,
  },
  createTableIfNotExists: { selfGuarded: true },
  dropTable: {
    guardedBy: (table) => tablePresent(table),
    fix: (table) => `use \`knex.schema.dropTableIfExists(${quote(table)})\``,
  },
  dropTableIfExists: { selfGuarded: true },
  renameTable: {
    guardedBy: (from, [, to]) => (c) => tablePresent(from)(c) || (to !== undefined && tableAbsent(to)(c)),
    fix: (from) => `rename it only when it is there: \`if (await knex.schema.hasTable(${quote(from)})) { … }\``,
  },
  createView: {
    guardedBy: (view) => tableAbsent(view),
    fix: (view) => `use \`knex.schema.createViewOrReplace(${quote(view)}, …)\``,
  },
  createViewOrReplace: { selfGuarded: true },
  createMaterializedView: {
    guardedBy: (view) => tableAbsent(view),
    fix: () => "knex has no guarded form: use `knex.raw('CREATE MATERIALIZED VIEW IF NOT EXISTS …')`",
  },
  dropView: {
    guardedBy: (view) => tablePresent(view),
    fix: (view) => `use \`knex.schema.dropViewIfExists(${quote(view)})\``,
  },
  dropViewIfExists: { selfGuarded: true },
  dropMaterializedView: {
    guardedBy: (view) => tablePresent(view),
    fix: (view) => `use \`knex.schema.dropMaterializedViewIfExists(${quote(view)})\``,
  },
  dropMaterializedViewIfExists: { selfGuarded: true },
  renameView: {
    guardedBy: (from) => tablePresent(from),
    fix: (from) => `rename it only when it is there: \`if (await knex.schema.hasTable(${quote(from)})) { … }\``,
  },
  createSchema: { fix: (schema) => `use \`knex.schema.createSchemaIfNotExists(${quote(schema)})\`` },
  createSchemaIfNotExists: { selfGuarded: true },
  dropSchema: { fix: (schema) => `use \`knex.schema.dropSchemaIfExists(${quote(schema)})\`` },
  dropSchemaIfExists: { selfGuarded: true },
  createExtension: { fix: (name) => `use \`knex.schema.createExtensionIfNotExists(${quote(name)})\`` },
  createExtensionIfNotExists: { selfGuarded: true },
  dropExtension: { fix: (name) => `use \`knex.schema.dropExtensionIfExists(${quote(name)})\`` },
  dropExtensionIfExists: { selfGuarded: true },
  refreshMaterializedView: { idempotent: true },
};

/** Schema builder calls that only read or configure the chain. */
const chainMethods = new Set(['withSchema', 'hasTable', 'hasColumn', 'table', 'alterTable', 'view', 'alterView', 'raw']);

// knex's TableBuilder column types (lib/schema/tablebuilder.js) plus the helpers that add columns.
const columnTypes = new Set([
  'tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'float', 'double', 'real', 'bit',
  'boolean', 'serial', 'date', 'datetime', 'timestamp', 'time', 'year', 'geometry', 'geography',
  'point', 'char', 'varchar', 'tinytext', 'tinyText', 'text', 'mediumtext', 'mediumText', 'longtext',
  'longText', 'binary', 'varbinary', 'tinyblob', 'tinyBlob', 'mediumblob', 'mediumBlob', 'blob',
  'longblob', 'longBlob', 'enum', 'set', 'bool', 'dateTime', 'increments', 'bigincrements',
  'bigIncrements', 'integer', 'biginteger', 'bigInteger', 'string', 'json', 'jsonb', 'uuid', 'enu',
  'specificType',
]);

const addsConstraint = new Set(['index', 'unique', 'primary', 'foreign', 'check']);
const dropsConstraint: Record<string, string> = {
  dropForeign: 'use `table.dropForeignIfExists(…)`',
  dropUnique: 'use `table.dropUniqueIfExists(…)`',
  dropPrimary: 'use `table.dropPrimaryIfExists(…)`',
  dropIndex: "knex emits no IF EXISTS here: use `knex.raw('DROP INDEX IF EXISTS …')`",
  dropChecks: "knex emits no IF EXISTS here: use `knex.raw('ALTER TABLE … DROP CONSTRAINT IF EXISTS …')`",
};
const selfGuardedTableMethods = new Set(['dropForeignIfExists', 'dropUniqueIfExists', 'dropPrimaryIfExists']);

/** `knex.schema`, `trx.schema`, possibly behind `.withSchema(s)` or earlier builder calls. */
function schemaChain(expression: Node): { schema?: string } | undefined {
  let schema: string | undefined;
  let current = unwrap(expression);
  for (;;) {
    if (Node.isPropertyAccessExpression(current) && current.getName() === 'schema') {
      return Node.isIdentifier(unwrap(current.getExpression())) ? { schema } : undefined;
    }
    if (!Node.isCallExpression(current)) return undefined;
    const callee = current.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) return undefined;
    const name = callee.getName();
    if (!(name in schemaMethods) && !chainMethods.has(name) && !/^(?:create|drop|rename)/.test(name)) return undefined;
    if (name === 'withSchema') schema ??= literalString(current.getArguments()[0]);
    current = unwrap(callee.getExpression());
  }
}

/** A `knex.schema.<method>(…)` call: its method, arguments and the schema it is scoped to. */
function schemaCall(call: CallExpression): { method: string; schema?: string } | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const chain = schemaChain(callee.getExpression());
  return chain && { method: callee.getName(), schema: chain.schema };
}

/** `knex.schema.hasTable('x')` / `hasColumn('x', 'c')` as an existence check. */
function readKnexCheck(call: CallExpression): ExistenceCheck | undefined {
  const found = schemaCall(call);
  if (!found || (found.method !== 'hasTable' && found.method !== 'hasColumn')) return undefined;
  return { kind: found.method, args: call.getArguments().map((argument) => literalString(argument)) };
}

/** `knex.raw(sql)` or `knex.schema.raw(sql)` run as a statement (not a value inside another call). */
function isRawStatement(call: CallExpression): boolean {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'raw') return false;
  const receiver = unwrap(callee.getExpression());
  if (!Node.isIdentifier(receiver) && !schemaChain(receiver)) return false;
  let parent = call.getParent();
  while (parent && (Node.isParenthesizedExpression(parent) || Node.isAwaitExpression(parent))) parent = parent.getParent();
  if (Node.isCallExpression(parent)) {
    // `Promise.all([…])` and `.then(() => knex.raw(…))` run it; `defaultTo(knex.raw('now()'))` uses it as a value.
    return false;
  }
  if (Node.isArrayLiteralExpression(parent)) return /^Promise\.all/.test(parent.getParentOrThrow().getText());
  return !Node.isPropertyAssignment(parent) && !Node.isVariableDeclaration(parent) && !Node.isBinaryExpression(parent);
}

function qualified(schema: string | undefined, name: string | undefined): string | undefined {
  return name === undefined ? undefined : schema ? `${schema}.${name}` : name;
}

interface Reader {
  file: string;
  direction: Direction;
  boundary: FunctionNode;
}

function schemaOperation(reader: Reader, call: CallExpression, method: string, schema?: string): Operation | undefined {
  const behaviour = schemaMethods[method];
  if (!behaviour || behaviour.idempotent) return undefined;
  const args = call.getArguments().map((argument) => literalString(argument));
  const name = args[0] ?? '';
  const conditions = guardConditions(call, reader.boundary, readKnexCheck);
  const fits = behaviour.guardedBy?.(name, args);
  return {
    direction: reader.direction,
    kind: `knex.schema.${method}`,
    target: qualified(schema, args[0]),
    needsGuard: true,
    guarded: Boolean(behaviour.selfGuarded || (fits && conditions.some(fits))),
    fix: behaviour.fix?.(name, args),
    loc: locationOf(chainedCallStart(call), reader.file),
  };
}

/** In `knex.schema\n  .createTable(…)\n  .createTable(…)` each call is placed at its own method name, not at `knex`. */
function chainedCallStart(call: CallExpression): Node {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return call;
  const onOwnLine = callee.getNameNode().getStartLineNumber() !== call.getStartLineNumber();
  return onOwnLine || Node.isCallExpression(unwrap(callee.getExpression())) ? callee.getNameNode() : call;
}

/** The calls chained after `t.string('x')`: `.notNullable().references('id').alter()`. */
function chainedNames(root: CallExpression): string[] {
  const names: string[] = [];
  let current: Node = root;
  for (;;) {
    const access = current.getParent();
    const call = access?.getParent();
    if (!Node.isPropertyAccessExpression(access) || !Node.isCallExpression(call) || call.getExpression() !== access) break;
    names.push(access.getName());
    current = call;
  }
  return names;
}

/** One operation per column or constraint call inside a `knex.schema.alterTable('t', (t) => …)` callback. */
function alterTableOperations(reader: Reader, call: CallExpression, schema?: string): Operation[] {
  const table = literalString(call.getArguments()[0]) ?? '';
  const callbackNode = call.getArguments()[1];
  const callback = callbackNode && resolveValue(callbackNode);
  if (!isFunctionNode(callback)) return [];
  const builder = parameterName(callback) ?? 'table';
  const target = (column?: string) => qualified(schema, column === undefined ? table : `${table}.${column}`);
  const conditions = guardConditions(call, reader.boundary, readKnexCheck);
  const tableIsNew = conditions.some(tableAbsent(table));
  const columnCheck = (exists: boolean, column?: string) =>
    tableIsNew || conditions.some((c) => isCheck(c, 'hasColumn', table, column) && c.exists === exists);
  const hasColumnHint = (column: string | undefined, exists: boolean) =>
    `check first: \`if (${exists ? '' : '!'}(await knex.schema.hasColumn('${table}', ${quote(column)}))) { … }\``;

  const operations: Operation[] = [];
  for (const inner of callsIn(callback)) {
    const callee = inner.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || unwrap(callee.getExpression()).getText() !== builder) continue;
    const method = callee.getName();
    const args = inner.getArguments().map((argument) => literalString(argument));
    const base = { direction: reader.direction, kind: `table.${method}`, needsGuard: true, loc: locationOf(inner, reader.file) };
    if (columnTypes.has(method) || method === 'timestamps') {
      if (chainedNames(inner).includes('alter')) continue; // ALTER COLUMN … TYPE/SET: re-running changes nothing.
      const column = method === 'timestamps' ? 'created_at' : args[0];
      operations.push({ ...base, target: target(column), guarded: columnCheck(false, column), fix: hasColumnHint(column, false) });
    } else if (method === 'dropColumn' || method === 'dropColumns' || method === 'dropTimestamps') {
      const columns = method === 'dropTimestamps' ? ['created_at'] : args;
      const guarded = columns.every((column) => columnCheck(true, column));
      operations.push({ ...base, target: target(columns.join(', ')), guarded, fix: hasColumnHint(columns[0], true) });
    } else if (method === 'renameColumn') {
      const [from, to] = args;
      const guarded = columnCheck(true, from) || columnCheck(false, to ?? '');
      operations.push({ ...base, target: target(from), guarded, fix: hasColumnHint(from, true) });
    } else if (addsConstraint.has(method)) {
      const column = Array.isArray(args[0]) ? undefined : args[0];
      const guarded = tableIsNew || conditions.some((c) => isCheck(c, 'hasColumn', table) && !c.exists);
      const fix = `add it inside the same \`hasColumn\` check as its column, or use \`knex.raw('… IF NOT EXISTS …')\``;
      operations.push({ ...base, target: target(column), guarded, fix });
    } else if (method in dropsConstraint) {
      const guarded = conditions.some((c) => isCheck(c, 'hasColumn', table) && c.exists);
      operations.push({ ...base, target: target(), guarded, fix: dropsConstraint[method] });
    } else if (selfGuardedTableMethods.has(method)) {
      operations.push({ ...base, target: target(), guarded: true });
    }
  }
  return operations;
}

/** A raw statement inside a `hasTable`/`hasColumn` check on the table it touches is guarded by that check. */
function rawGuarded(operation: Operation, conditions: GuardCondition[]): boolean {
  const parts = operation.target?.split('.') ?? [];
  return conditions.some((c) => c.check.args[0] !== undefined && parts.includes(c.check.args[0]));
}

async function operationsOf(reader: Reader): Promise<{ operations: Operation[]; transactional: boolean }> {
  const operations: Operation[] = [];
  let transactional = true;
  const body = reader.boundary.getBody();
  if (!body) return { operations, transactional };
  for (const call of callsIn(body)) {
    if (isRawStatement(call)) {
      const sql = await analyseEmbeddedSql(call.getArguments()[0], reader.file, reader.direction);
      if (!sql) continue;
      const conditions = guardConditions(call, reader.boundary, readKnexCheck);
      transactional &&= sql.transactional;
      for (const operation of sql.operations) {
        operations.push(operation.guarded || !rawGuarded(operation, conditions) ? operation : { ...operation, guarded: true });
      }
      continue;
    }
    const found = schemaCall(call);
    if (!found) continue;
    if (found.method === 'alterTable' || found.method === 'table') {
      operations.push(...alterTableOperations(reader, call, found.schema));
    } else {
      const operation = schemaOperation(reader, call, found.method, found.schema);
      if (operation) operations.push(operation);
    }
  }
  return { operations, transactional };
}

/** `export const config = { transaction: false }` turns knex's per-migration transaction off. */
function disablesTransaction(config: Node | undefined): boolean {
  const value = config && unwrap(resolveValue(config));
  if (!Node.isObjectLiteralExpression(value)) return false;
  const property = value.getProperty('transaction');
  return Node.isPropertyAssignment(property) && property.getInitializer()?.getText() === 'false';
}

/** The static model of one knex migration file, read from its source without running it. */
export async function analyseKnexSource(source: string, file: string): Promise<MigrationModel> {
  const read = readMigrationSource(source, file, 'knex');
  if (read.unparsable) return read.unparsable;
  const { sourceFile, directives } = read;
  const exported = findExports(sourceFile, ['up', 'down', 'config']);
  const up = exported.get('up');
  const down = exported.get('down');
  const config = exported.get('config');
  let transactional = !disablesTransaction(config?.value);
  const operations: Operation[] = [];
  for (const [direction, member] of [['up', up], ['down', down]] as const) {
    if (!member?.fn) continue;
    const found = await operationsOf({ file, direction, boundary: member.fn });
    operations.push(...found.operations);
    transactional &&= found.transactional;
  }
  operations.sort(byPosition);
  return {
    file,
    framework: 'knex',
    up: up && locationOf(up.declaration, file),
    down: exportedDownModel(file, down),
    transactional,
    operations,
    directives,
  };
}
