// The static model of a Sequelize migration (sequelize-cli `up(queryInterface, Sequelize)` or umzug
// `up({ context: queryInterface })`): its up/down, the queryInterface calls and SQL each makes, and
// whether each is guarded against a second run.
import { Node, SyntaxKind } from '../ts-morph.js';
import type { CallExpression } from 'ts-morph';
import type { Direction, MigrationModel, Operation } from '../../types.js';
import {
  analyseEmbeddedSql,
  byPosition,
  callsIn,
  findExports,
  isFunctionNode,
  literalString,
  locationOf,
  readMigrationSource,
  stringValue,
  unwrap,
  exportedDownModel,
} from '../ts-source.js';
import type { FunctionNode } from '../ts-source.js';

/** An existence check the migration makes: a table, a column, or a catalog query naming tables. */
type Check =
  | { kind: 'table'; table: string; exists: boolean }
  | { kind: 'column'; table: string; column: string; exists: boolean }
  | { kind: 'catalog'; sql: string };

/** How one queryInterface method behaves on a second run, as Sequelize 6's Postgres dialect writes its SQL. */
interface Method {
  /** The generated SQL carries IF [NOT] EXISTS (or creating it twice is otherwise harmless). */
  selfGuarded?: boolean | ((call: CallExpression) => boolean);
  /** Which checks, answered how, make it safe; the arguments are the call's literal strings. */
  guardedBy?: (args: (string | undefined)[], check: Check) => boolean;
  fix?: (args: (string | undefined)[]) => string;
}

const quote = (text: string | undefined) => `'${text ?? '…'}'`;
const tableIs = (check: Check, table: string | undefined, exists: boolean) =>
  check.kind === 'table' && check.table === table && check.exists === exists;
const columnIs = (check: Check, table: string | undefined, column: string | undefined, exists: boolean) =>
  check.kind === 'column' && check.table === table && (column === undefined || check.column === column) && check.exists === exists;
/** Inside `if (!(await queryInterface.tableExists(t)))` or a check that a column of t is missing: t was just made. */
const tableIsNew = (check: Check, table: string | undefined) => tableIs(check, table, false) || columnIs(check, table, undefined, false);

const describeHint = (table: string | undefined, column: string | undefined, exists: boolean) =>
  `check first: \`const columns = await queryInterface.describeTable(${quote(table)}); if (${exists ? '' : '!'}columns.${column ?? '…'}) { … }\``;
const sqlHint = (sql: string) => `Sequelize emits no IF EXISTS here: use \`queryInterface.sequelize.query('${sql}')\``;

// Sequelize 6, lib/dialects/postgres/query-generator.js: createTableQuery writes CREATE TABLE IF NOT
// EXISTS (and each ENUM through a DO block that ignores duplicate_object), dropTableQuery DROP TABLE IF
// EXISTS, removeIndexQuery DROP INDEX IF EXISTS, createSchema/dropSchema and pgEnumDrop IF [NOT] EXISTS.
// changeColumn (ALTER COLUMN … TYPE / SET) changes nothing when re-run, so it is no operation here.
const methods: Record<string, Method> = {
  createTable: { selfGuarded: true },
  dropTable: { selfGuarded: true },
  createSchema: { selfGuarded: true },
  dropSchema: { selfGuarded: true },
  removeIndex: { selfGuarded: true },
  dropEnum: { selfGuarded: true },
  addColumn: {
    guardedBy: ([table, column], check) => columnIs(check, table, column, false) || tableIs(check, table, false),
    fix: ([table, column]) => describeHint(table, column, false),
  },
  removeColumn: {
    guardedBy: ([table, column], check) => columnIs(check, table, column, true),
    fix: ([table, column]) => describeHint(table, column, true),
  },
  renameColumn: {
    guardedBy: ([table, from, to], check) => columnIs(check, table, from, true) || (to !== undefined && columnIs(check, table, to, false)),
    fix: ([table, from]) => describeHint(table, from, true),
  },
  renameTable: {
    guardedBy: ([from, to], check) => tableIs(check, from, true) || (to !== undefined && tableIs(check, to, false)),
    fix: ([from]) => `rename it only when it is there: \`if (await queryInterface.tableExists(${quote(from)})) { … }\``,
  },
  addIndex: {
    guardedBy: ([table], check) => tableIsNew(check, table),
    fix: () => `${sqlHint('CREATE INDEX IF NOT EXISTS …')}, or add it inside the check that creates its table or column`,
  },
  addConstraint: {
    guardedBy: ([table], check) => tableIsNew(check, table),
    fix: () => 'add it inside the check that creates its table or column, or drop it first with `queryInterface.sequelize.query(\'ALTER TABLE … DROP CONSTRAINT IF EXISTS …\')`',
  },
  removeConstraint: {
    guardedBy: ([table], check) => columnIs(check, table, undefined, true),
    fix: () => sqlHint('ALTER TABLE … DROP CONSTRAINT IF EXISTS …'),
  },
  createFunction: {
    // createFunction(name, params, returnType, language, body, optionsArray, { force: true }): CREATE OR REPLACE.
    selfGuarded: (call) => /\bforce\s*:\s*true\b/.test(call.getArguments()[6]?.getText() ?? ''),
    fix: () => 'pass `{ force: true }` as its last argument: Sequelize then writes CREATE OR REPLACE FUNCTION',
  },
  dropFunction: { fix: () => sqlHint('DROP FUNCTION IF EXISTS …') },
  renameFunction: { fix: () => sqlHint('ALTER FUNCTION … RENAME TO …') + ' inside an existence check' },
  createTrigger: { fix: () => sqlHint('DROP TRIGGER IF EXISTS …') + ' before it' },
  dropTrigger: { fix: () => sqlHint('DROP TRIGGER IF EXISTS …') },
  renameTrigger: { fix: () => 'rename it only when it is there (check pg_trigger first)' },
};

/** queryInterface calls that write (a transaction matters for them), beside the schema changes in `methods`. */
const changesData = new Set(['changeColumn', 'bulkInsert', 'bulkUpdate', 'bulkDelete', 'insert', 'upsert', 'dropAllTables', 'dropAllEnums']);

/** The names the migration's query interface goes by in one up/down. */
interface Reader {
  file: string;
  direction: Direction;
  boundary: FunctionNode;
  /** `queryInterface`, `qi`, or whatever umzug's `{ context: … }` names it. */
  names: Set<string>;
}

/** `up(queryInterface, Sequelize)`, `up({ context: queryInterface })`, `up({ context })`. */
function queryInterfaceNames(fn: FunctionNode): Set<string> {
  const names = new Set(['queryInterface']);
  const first = fn.getParameters()[0]?.getNameNode();
  if (Node.isIdentifier(first)) names.add(first.getText());
  if (Node.isObjectBindingPattern(first)) {
    for (const element of first.getElements()) {
      const property = element.getPropertyNameNode()?.getText() ?? element.getName();
      if (property === 'context') names.add(element.getName());
    }
  }
  return names;
}

/** `queryInterface`, `context`, `sequelize.getQueryInterface()`, `ctx.queryInterface`. */
function isQueryInterface(node: Node, reader: Reader): boolean {
  const value = unwrap(node);
  if (Node.isIdentifier(value)) return reader.names.has(value.getText());
  if (Node.isPropertyAccessExpression(value)) return value.getName() === 'queryInterface';
  if (Node.isCallExpression(value)) {
    const callee = value.getExpression();
    return Node.isPropertyAccessExpression(callee) && callee.getName() === 'getQueryInterface';
  }
  return false;
}

/** `queryInterface.<method>(…)`: the method name, when the call is one. */
function queryInterfaceCall(call: CallExpression, reader: Reader): string | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  return isQueryInterface(callee.getExpression(), reader) ? callee.getName() : undefined;
}

/** `queryInterface.sequelize.query(sql)`, `sequelize.query(sql)`, or umzug's `context.query(sql)`. */
function isSqlCall(call: CallExpression, reader: Reader): boolean {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'query') return false;
  const receiver = unwrap(callee.getExpression());
  if (Node.isPropertyAccessExpression(receiver)) return receiver.getName() === 'sequelize';
  return Node.isIdentifier(receiver) && (receiver.getText() === 'sequelize' || reader.names.has(receiver.getText()));
}

// ---------------------------------------------------------------- existence checks

/** The initializer of the const/let `name` is declared by (plain, `[rows]` or `{ x }` binding), in scope of `from`. */
function initializerOf(from: Node, name: string): Node | undefined {
  for (let scope: Node | undefined = from.getParent(); scope; scope = scope.getParent()) {
    if (!Node.isBlock(scope) && !Node.isSourceFile(scope)) continue;
    for (const statement of scope.getStatements()) {
      if (!Node.isVariableStatement(statement)) continue;
      for (const declaration of statement.getDeclarations()) {
        const nameNode = declaration.getNameNode();
        const declares = Node.isIdentifier(nameNode)
          ? nameNode.getText() === name
          : nameNode.getDescendantsOfKind(SyntaxKind.Identifier).some((identifier) => identifier.getText() === name);
        if (declares) return declaration.getInitializer();
      }
    }
  }
  return undefined;
}

/** What a value is, followed through `await`, parentheses and local consts, when it is a call. */
function sourceCall(node: Node, depth = 0): CallExpression | undefined {
  let value = unwrap(node);
  while (Node.isAwaitExpression(value)) value = unwrap(value.getExpression());
  if (Node.isCallExpression(value)) return value;
  if (Node.isIdentifier(value) && depth < 5) {
    const initializer = initializerOf(value, value.getText());
    return initializer && sourceCall(initializer, depth + 1);
  }
  return undefined;
}

function calleeName(call: CallExpression): string | undefined {
  const callee = call.getExpression();
  return Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
}

/** `await queryInterface.describeTable('t')` (or a const holding it): the table it describes. */
function describedTable(node: Node): string | undefined {
  const call = sourceCall(node);
  return call && calleeName(call) === 'describeTable' ? literalString(call.getArguments()[0]) : undefined;
}

/** `await queryInterface.showAllTables()` (or a const holding it). */
function isTableList(node: Node): boolean {
  const call = sourceCall(node);
  return !!call && calleeName(call) === 'showAllTables';
}

/** `sequelize.query('SELECT … FROM information_schema…')` (or a const holding its rows): its SQL. */
function catalogQuery(node: Node): string | undefined {
  const call = sourceCall(node);
  if (!call || calleeName(call) !== 'query') return undefined;
  const sql = call.getArguments()[0] && stringValue(call.getArguments()[0]);
  return sql && /\b(?:information_schema|pg_catalog|pg_class|pg_type|pg_indexes|pg_constraint|pg_tables)\b/i.test(sql.text) ? sql.text : undefined;
}

/** `Object.keys(columns)` → `columns`. */
function keysOf(node: Node): Node | undefined {
  const value = unwrap(node);
  if (!Node.isCallExpression(value) || value.getExpression().getText().replace(/\s+/g, '') !== 'Object.keys') return undefined;
  return value.getArguments()[0];
}

/** The checks a condition expression makes, each with the answer that makes the condition true. */
function readCondition(expression: Node): Check[] {
  const node = unwrap(expression);
  const negate = (checks: Check[]): Check[] => checks.map((c) => (c.kind === 'catalog' ? c : { ...c, exists: !c.exists }));
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.ExclamationToken) {
    return negate(readCondition(node.getOperand()));
  }
  if (Node.isAwaitExpression(node)) return readCondition(node.getExpression());
  if (Node.isBinaryExpression(node)) {
    const operator = node.getOperatorToken().getKind();
    const [left, right] = [node.getLeft(), node.getRight()];
    if (operator === SyntaxKind.AmpersandAmpersandToken) return [...readCondition(left), ...readCondition(right)];
    if (operator === SyntaxKind.InKeyword) {
      const column = literalString(left);
      const table = describedTable(right);
      return column !== undefined && table !== undefined ? [{ kind: 'column', table, column, exists: true }] : [];
    }
    const equality = [SyntaxKind.EqualsEqualsEqualsToken, SyntaxKind.EqualsEqualsToken].includes(operator);
    const inequality = [SyntaxKind.ExclamationEqualsEqualsToken, SyntaxKind.ExclamationEqualsToken].includes(operator);
    const comparison = equality || inequality || [SyntaxKind.GreaterThanToken, SyntaxKind.LessThanToken].includes(operator);
    if (!comparison) return [];
    const literal = [left, right].find((side) => /^(?:true|false|undefined|null|-1|0)$/.test(side.getText()));
    if (!literal) return [];
    const other = literal === left ? right : left;
    const checks = readCondition(other);
    // `x === false`, `x === undefined`, `list.indexOf('t') === -1`, `rows.length === 0` mean "absent".
    const absentWhenEqual = literal.getText() !== 'true';
    return equality === absentWhenEqual ? negate(checks) : checks;
  }
  if (Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node)) {
    const owner = node.getExpression();
    const name = Node.isPropertyAccessExpression(node) ? node.getName() : literalString(node.getArgumentExpression());
    if (name === 'length') {
      const sql = catalogQuery(owner);
      return sql ? [{ kind: 'catalog', sql }] : [];
    }
    const table = describedTable(owner);
    if (table !== undefined && name !== undefined) return [{ kind: 'column', table, column: name, exists: true }];
    const sql = catalogQuery(owner);
    return sql ? [{ kind: 'catalog', sql }] : [];
  }
  if (Node.isCallExpression(node)) return readCallCondition(node);
  if (Node.isIdentifier(node)) {
    const initializer = initializerOf(node, node.getText());
    if (!initializer) return [];
    const sql = catalogQuery(initializer);
    return sql ? [{ kind: 'catalog', sql }] : readCondition(initializer);
  }
  return [];
}

function readCallCondition(call: CallExpression): Check[] {
  const name = calleeName(call);
  const callee = call.getExpression();
  const receiver = Node.isPropertyAccessExpression(callee) ? callee.getExpression() : undefined;
  const first = literalString(call.getArguments()[0]);
  if (name === 'tableExists' && first !== undefined) return [{ kind: 'table', table: first, exists: true }];
  if ((name === 'includes' || name === 'indexOf') && receiver && first !== undefined) {
    // `indexOf` answers -1 when absent: the comparison around it (`=== -1`) turns the answer round.
    const exists = true;
    if (isTableList(receiver)) return [{ kind: 'table', table: first, exists }];
    const described = keysOf(receiver);
    const table = described && describedTable(described);
    if (table !== undefined) return [{ kind: 'column', table, column: first, exists }];
  }
  if (name === 'hasOwnProperty' && receiver && first !== undefined) {
    const table = describedTable(receiver);
    if (table !== undefined) return [{ kind: 'column', table, column: first, exists: true }];
  }
  // `Object.hasOwn(columns, 'c')`, `Object.prototype.hasOwnProperty.call(columns, 'c')`.
  if (/^Object\.(?:hasOwn|prototype\.hasOwnProperty\.call)$/.test(callee.getText().replace(/\s+/g, ''))) {
    const [owner, column] = call.getArguments();
    const table = owner && describedTable(owner);
    const columnName = literalString(column);
    if (table !== undefined && columnName !== undefined) return [{ kind: 'column', table, column: columnName, exists: true }];
  }
  return [];
}

/** `if (cond) return;` — the rest of the block runs only when `cond` is false. */
function earlyExitCondition(statement: Node): Node | undefined {
  if (!Node.isIfStatement(statement) || statement.getElseStatement()) return undefined;
  const then = statement.getThenStatement();
  const only = Node.isBlock(then) ? then.getStatements() : [then];
  const exits = only.length === 1 && (Node.isReturnStatement(only[0]) || Node.isThrowStatement(only[0]));
  return exits ? statement.getExpression() : undefined;
}

/** Every existence check `node` runs under, up to the exported function: if/else, ternaries, &&/||, early returns. */
function checksAround(node: Node, boundary: Node): Check[] {
  const checks: Check[] = [];
  const flip = (list: Check[]) => list.map((c) => (c.kind === 'catalog' ? c : { ...c, exists: !c.exists }));
  let child: Node = node;
  for (let parent = node.getParent(); parent && child !== boundary; child = parent, parent = parent.getParent()) {
    if (Node.isIfStatement(parent) && child !== parent.getExpression()) {
      const found = readCondition(parent.getExpression());
      checks.push(...(child === parent.getElseStatement() ? flip(found) : found));
    } else if (Node.isConditionalExpression(parent) && child !== parent.getCondition()) {
      const found = readCondition(parent.getCondition());
      checks.push(...(child === parent.getWhenFalse() ? flip(found) : found));
    } else if (Node.isBinaryExpression(parent) && child === parent.getRight()) {
      const operator = parent.getOperatorToken().getKind();
      if (operator === SyntaxKind.AmpersandAmpersandToken) checks.push(...readCondition(parent.getLeft()));
      if (operator === SyntaxKind.BarBarToken) checks.push(...flip(readCondition(parent.getLeft())));
    } else if (Node.isBlock(parent)) {
      for (const statement of parent.getStatements()) {
        if (statement === child) break;
        const exitWhen = earlyExitCondition(statement);
        if (exitWhen) checks.push(...flip(readCondition(exitWhen)));
      }
    }
  }
  return checks;
}

/** A catalog query that names the table an operation touches guards it (its answer's polarity is not read). */
function catalogCovers(check: Check, table: string | undefined): boolean {
  return check.kind === 'catalog' && table !== undefined && new RegExp(`\\b${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(check.sql);
}

// ---------------------------------------------------------------- operations

/** Inside `sequelize.transaction(async (t) => …)` and handed the transaction (`{ transaction: t }`). */
function runsInTransaction(call: CallExpression): boolean {
  const handsTransaction = call.getArguments().some((argument) => /\btransaction\b/.test(argument.getText()));
  const inCallback = call.getAncestors().some((ancestor) => {
    const parent = ancestor.getParent();
    return isFunctionNode(ancestor) && Node.isCallExpression(parent) && calleeName(parent) === 'transaction';
  });
  return handsTransaction && inCallback;
}

function queryInterfaceOperation(reader: Reader, call: CallExpression, method: string): Operation | undefined {
  const behaviour = methods[method];
  if (!behaviour) return undefined;
  const args = call.getArguments().map((argument) => literalString(argument));
  const selfGuarded = typeof behaviour.selfGuarded === 'function' ? behaviour.selfGuarded(call) : behaviour.selfGuarded;
  const checks = selfGuarded ? [] : checksAround(call, reader.boundary);
  const table = args[0];
  const target = method === 'addColumn' || method === 'removeColumn' || method === 'renameColumn' ? `${table ?? '…'}.${args[1] ?? '…'}` : table;
  return {
    direction: reader.direction,
    kind: `queryInterface.${method}`,
    target,
    needsGuard: true,
    guarded: Boolean(selfGuarded || checks.some((check) => behaviour.guardedBy?.(args, check) || catalogCovers(check, table))),
    fix: behaviour.fix?.(args),
    loc: locationOf(call, reader.file),
  };
}

/** A SQL statement inside a check on the table it touches is guarded by that check. */
function sqlGuarded(operation: Operation, checks: Check[]): boolean {
  const parts = operation.target?.split('.') ?? [];
  return checks.some((check) => (check.kind === 'catalog' ? parts.some((part) => catalogCovers(check, part)) : parts.includes(check.table)));
}

async function operationsOf(reader: Reader): Promise<{ operations: Operation[]; transactional: boolean }> {
  const operations: Operation[] = [];
  const body = reader.boundary.getBody();
  if (!body) return { operations, transactional: false };
  let statements = 0;
  let inTransaction = 0;
  let sqlTransactional = true;
  for (const call of callsIn(body)) {
    if (isSqlCall(call, reader)) {
      const sql = await analyseEmbeddedSql(call.getArguments()[0], reader.file, reader.direction);
      statements++;
      if (runsInTransaction(call)) inTransaction++;
      if (!sql) continue;
      sqlTransactional &&= sql.transactional;
      const checks = checksAround(call, reader.boundary);
      for (const operation of sql.operations) {
        operations.push(operation.guarded || !sqlGuarded(operation, checks) ? operation : { ...operation, guarded: true });
      }
      continue;
    }
    const method = queryInterfaceCall(call, reader);
    if (!method || !(method in methods || changesData.has(method))) continue;
    statements++;
    if (runsInTransaction(call)) inTransaction++;
    const operation = queryInterfaceOperation(reader, call, method);
    if (operation) operations.push(operation);
  }
  // sequelize-cli runs a migration outside any transaction; it has one only when it opens one itself
  // and hands it to every statement.
  return { operations, transactional: statements > 0 && inTransaction === statements && sqlTransactional };
}

/** The static model of one Sequelize migration file, read from its source without running it. */
export async function analyseSequelizeSource(source: string, file: string): Promise<MigrationModel> {
  const read = readMigrationSource(source, file, 'sequelize');
  if (read.unparsable) return read.unparsable;
  const { sourceFile, directives } = read;
  const exported = findExports(sourceFile, ['up', 'down']);
  const up = exported.get('up');
  const down = exported.get('down');
  const operations: Operation[] = [];
  let transactional = true;
  for (const [direction, member] of [['up', up], ['down', down]] as const) {
    if (!member?.fn) continue;
    const found = await operationsOf({ file, direction, boundary: member.fn, names: queryInterfaceNames(member.fn) });
    operations.push(...found.operations);
    if (direction === 'up') transactional = found.transactional;
  }
  operations.sort(byPosition);
  return {
    file,
    framework: 'sequelize',
    up: up && locationOf(up.declaration, file),
    down: exportedDownModel(file, down),
    transactional,
    operations,
    directives,
  };
}
