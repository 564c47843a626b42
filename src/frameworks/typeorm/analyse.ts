// The static model of a TypeORM migration: the class's up/down, the QueryRunner calls and SQL
// each runs, and whether each is guarded against a second run.
import { Node, SyntaxKind } from '../ts-morph.js';
import type { CallExpression, ClassDeclaration, SourceFile } from 'ts-morph';
import type { Direction, DownModel, MigrationModel, Operation, SourceLocation } from '../../types.js';
import {
  analyseEmbeddedSql,
  byPosition,
  callsIn,
  guardConditions,
  isEmptyFunction,
  isFunctionNode,
  literalString,
  locationOf,
  parameterName,
  readMigrationSource,
  resolveValue,
  stringValue,
  unwrap,
} from '../ts-source.js';
import type { ExistenceCheck, FunctionNode, GuardCondition } from '../ts-source.js';

/** What a QueryRunner method needs to be safe on a second run. */
interface RunnerMethod {
  /** The argument index of its own `ifExists`/`ifNotExists` flag (TypeORM then checks for itself). */
  flag?: number;
  /** The existence check, answered how, that makes it safe. */
  guardedBy: (table: string | undefined, args: (string | undefined)[]) => (c: GuardCondition) => boolean;
  fix: (table: string, args: (string | undefined)[]) => string;
}

const quote = (text: string | undefined) => `'${text ?? '…'}'`;

/** A check on `kind(name, column)`; a name the reader could not resolve matches any. */
function isCheck(c: GuardCondition, kind: string, name: string | undefined, column?: string): boolean {
  const [checkedName, checkedColumn] = c.check.args;
  return (
    c.check.kind === kind &&
    (name === undefined || checkedName === undefined || checkedName === name) &&
    (column === undefined || checkedColumn === undefined || checkedColumn === column)
  );
}

const tableAbsent = (table: string | undefined) => (c: GuardCondition) => isCheck(c, 'hasTable', table) && !c.exists;
const tablePresent = (table: string | undefined) => (c: GuardCondition) => isCheck(c, 'hasTable', table) && c.exists;
const columnAbsent = (table: string | undefined, column?: string) => (c: GuardCondition) => isCheck(c, 'hasColumn', table, column) && !c.exists;
const columnPresent = (table: string | undefined, column?: string) => (c: GuardCondition) => isCheck(c, 'hasColumn', table, column) && c.exists;
const either = (...fits: ((c: GuardCondition) => boolean)[]) => (c: GuardCondition) => fits.some((fit) => fit(c));

const checkFirst = (check: string) => `check first: \`if (${check}) { … }\``;
const hasTableCheck = (table: string, exists: boolean) => `${exists ? '' : '!('}await queryRunner.hasTable(${quote(table)})${exists ? '' : ')'}`;
const hasColumnCheck = (table: string, column: string | undefined, exists: boolean) =>
  `${exists ? '' : '!('}await queryRunner.hasColumn(${quote(table)}, ${quote(column)})${exists ? '' : ')'}`;

/** Adds an index or constraint: safe inside the check that creates its table or column in the same run. */
const addsToTable = (what: string): RunnerMethod => ({
  guardedBy: (table) => either(tableAbsent(table), columnAbsent(table)),
  fix: (table) =>
    `TypeORM has no guarded form: add the ${what} in the same \`hasTable\`/\`hasColumn\` check that creates its table or column, or look it up first with \`(await queryRunner.getTable(${quote(table)}))\``,
});

/** Drops an index or constraint: TypeORM 1.x takes `ifExists` as the third argument. */
const dropsFromTable = (call: string): RunnerMethod => ({
  flag: 2,
  guardedBy: (table) => columnPresent(table),
  fix: (table, [, name]) => `pass \`ifExists\` (TypeORM 1.x): \`queryRunner.${call}(${quote(table)}, ${quote(name)}, true)\``,
});

// QueryRunner (query-runner/QueryRunner.d.ts): the schema-changing methods and their guards.
const runnerMethods: Record<string, RunnerMethod> = {
  createTable: {
    flag: 1,
    guardedBy: (table) => tableAbsent(table),
    fix: (table) => `pass \`ifNotExists\`: \`queryRunner.createTable(new Table({ name: ${quote(table)}, … }), true)\``,
  },
  dropTable: {
    flag: 1,
    guardedBy: (table) => tablePresent(table),
    fix: (table) => `pass \`ifExists\`: \`queryRunner.dropTable(${quote(table)}, true)\``,
  },
  renameTable: {
    guardedBy: (from, [, to]) => either(tablePresent(from), (c) => to !== undefined && tableAbsent(to)(c)),
    fix: (from) => checkFirst(hasTableCheck(from, true)),
  },
  createView: {
    guardedBy: (view) => tableAbsent(view),
    fix: (view) => `${checkFirst(`!(await queryRunner.getView(${quote(view)}))`)}, or \`queryRunner.query('CREATE OR REPLACE VIEW …')\``,
  },
  dropView: {
    flag: 1,
    guardedBy: (view) => tablePresent(view),
    fix: (view) => `pass \`ifExists\` (TypeORM 1.x): \`queryRunner.dropView(${quote(view)}, true)\``,
  },
  createSchema: {
    flag: 1,
    guardedBy: (schema) => (c) => isCheck(c, 'hasSchema', schema) && !c.exists,
    fix: (schema) => `pass \`ifNotExists\`: \`queryRunner.createSchema(${quote(schema)}, true)\``,
  },
  dropSchema: {
    flag: 1,
    guardedBy: (schema) => (c) => isCheck(c, 'hasSchema', schema) && c.exists,
    fix: (schema) => `pass \`ifExists\`: \`queryRunner.dropSchema(${quote(schema)}, true)\``,
  },
  addColumn: {
    guardedBy: (table, [, column]) => either(columnAbsent(table, column), tableAbsent(table)),
    fix: (table, [, column]) => checkFirst(hasColumnCheck(table, column, false)),
  },
  addColumns: {
    guardedBy: (table) => either(columnAbsent(table), tableAbsent(table)),
    fix: (table) => checkFirst(hasColumnCheck(table, undefined, false)),
  },
  renameColumn: {
    guardedBy: (table, [, from, to]) => either(columnPresent(table, from), (c) => to !== undefined && columnAbsent(table, to)(c)),
    fix: (table, [, from]) => checkFirst(hasColumnCheck(table, from, true)),
  },
  dropColumn: {
    flag: 2,
    guardedBy: (table, [, column]) => columnPresent(table, column),
    fix: (table, [, column]) =>
      `pass \`ifExists\` (TypeORM 1.x): \`queryRunner.dropColumn(${quote(table)}, ${quote(column)}, true)\`, or ${checkFirst(hasColumnCheck(table, column, true))}`,
  },
  dropColumns: {
    flag: 2,
    guardedBy: (table) => columnPresent(table),
    fix: (table) => `pass \`ifExists\` (TypeORM 1.x): \`queryRunner.dropColumns(${quote(table)}, […], true)\``,
  },
  createPrimaryKey: addsToTable('primary key'),
  createUniqueConstraint: addsToTable('unique constraint'),
  createUniqueConstraints: addsToTable('unique constraints'),
  createCheckConstraint: addsToTable('check constraint'),
  createCheckConstraints: addsToTable('check constraints'),
  createExclusionConstraint: addsToTable('exclusion constraint'),
  createExclusionConstraints: addsToTable('exclusion constraints'),
  createForeignKey: addsToTable('foreign key'),
  createForeignKeys: addsToTable('foreign keys'),
  createIndex: addsToTable('index'),
  createIndices: addsToTable('indices'),
  dropPrimaryKey: dropsFromTable('dropPrimaryKey'),
  dropUniqueConstraint: dropsFromTable('dropUniqueConstraint'),
  dropUniqueConstraints: dropsFromTable('dropUniqueConstraints'),
  dropCheckConstraint: dropsFromTable('dropCheckConstraint'),
  dropCheckConstraints: dropsFromTable('dropCheckConstraints'),
  dropExclusionConstraint: dropsFromTable('dropExclusionConstraint'),
  dropExclusionConstraints: dropsFromTable('dropExclusionConstraints'),
  dropForeignKey: dropsFromTable('dropForeignKey'),
  dropForeignKeys: dropsFromTable('dropForeignKeys'),
  dropIndex: dropsFromTable('dropIndex'),
  dropIndices: dropsFromTable('dropIndices'),
};

/** QueryRunner reads whose answer a migration branches on without a yes/no polarity we can follow. */
const lookups = new Set(['getTable', 'getTables', 'getView', 'getViews', 'getSchemas', 'getDatabases']);
const checks = new Set(['hasTable', 'hasColumn', 'hasSchema', 'hasDatabase']);
/** SQL that asks the catalog whether something exists. */
const catalogQuery = /\binformation_schema\b|\bpg_(?:catalog|class|namespace|indexes|constraint|type|attribute|tables|views|matviews|proc|extension|trigger)\b|\bto_regclass\b|\bto_regtype\b/i;

interface Reader {
  file: string;
  direction: Direction;
  boundary: FunctionNode;
  /** The QueryRunner parameter's name. */
  runner: string;
  /** Local names holding a catalog answer: `const table = await queryRunner.getTable('users')`. */
  lookupNames: Set<string>;
}

/** `queryRunner.x(…)` (or `queryRunner.manager.x`, `queryRunner.connection.x`): the method name. */
function runnerCall(call: CallExpression, runner: string): string | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const receiver = unwrap(callee.getExpression()).getText().replace(/\s+/g, '');
  if (receiver === runner) return callee.getName();
  if (receiver === `${runner}.manager` || receiver === `${runner}.connection`) return callee.getName() === 'query' ? 'query' : undefined;
  return undefined;
}

/** A name an argument gives: a string, or the `name` of `new Table({ name: 'users', … })`. */
function nameOf(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const literal = literalString(node);
  if (literal !== undefined) return literal;
  const value = unwrap(resolveValue(node));
  const options = Node.isNewExpression(value) ? value.getArguments()[0] : value;
  const object = options && unwrap(resolveValue(options));
  if (!Node.isObjectLiteralExpression(object)) return undefined;
  const property = object.getProperty('name');
  return Node.isPropertyAssignment(property) ? literalString(property.getInitializerOrThrow()) : undefined;
}

function readerCheck(runner: string) {
  return (call: CallExpression): ExistenceCheck | undefined => {
    const method = runnerCall(call, runner);
    if (!method || !checks.has(method)) return undefined;
    return { kind: method, args: call.getArguments().map((argument) => nameOf(argument)) };
  };
}

/** A `queryRunner.query('SELECT … information_schema …')` or `getTable(…)` call: a look-up, not a change. */
function isLookupCall(node: Node, runner: string): boolean {
  if (!Node.isCallExpression(node)) return false;
  const method = runnerCall(node, runner);
  if (method && lookups.has(method)) return true;
  if (method !== 'query') return false;
  const sql = node.getArguments()[0] && stringValue(node.getArguments()[0]);
  return Boolean(sql && catalogQuery.test(sql.text) && /^\s*(?:select|with)\b/i.test(sql.text));
}

/**
 * Local names bound (directly or by destructuring) to the answer of a look-up call, or computed
 * from one (`const exists = table.columns.some((c) => c.name === 'x')`).
 */
function lookupNamesIn(fn: FunctionNode, runner: string): Set<string> {
  const names = new Set<string>();
  for (const declaration of fn.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    const initializer = declaration.getInitializer();
    if (!initializer) continue;
    const fromLookup =
      callsIn(initializer).some((call) => isLookupCall(call, runner)) ||
      initializer.getDescendantsOfKind(SyntaxKind.Identifier).some((identifier) => names.has(identifier.getText())) ||
      (Node.isIdentifier(initializer) && names.has(initializer.getText()));
    if (!fromLookup) continue;
    for (const identifier of declaration.getNameNode().getDescendantsOfKind(SyntaxKind.Identifier)) names.add(identifier.getText());
    if (Node.isIdentifier(declaration.getNameNode())) names.add(declaration.getName());
  }
  return names;
}

/** The condition reads a catalog look-up (`if (!table.findColumnByName('x'))`, `if (rows.length === 0)`). */
function mentionsLookup(condition: Node, reader: Reader): boolean {
  const nodes = [condition, ...condition.getDescendants()];
  return nodes.some(
    (node) => (Node.isIdentifier(node) && reader.lookupNames.has(node.getText())) || isLookupCall(node, reader.runner),
  );
}

/**
 * Runs under a branch on a catalog look-up. Its polarity cannot be read reliably, so any such
 * branch counts: a missed finding is better than a false one.
 */
function underLookup(node: Node, reader: Reader): boolean {
  let child: Node = node;
  for (let parent = node.getParent(); parent && child !== reader.boundary; child = parent, parent = parent.getParent()) {
    if (Node.isIfStatement(parent) && child !== parent.getExpression() && mentionsLookup(parent.getExpression(), reader)) return true;
    if (Node.isConditionalExpression(parent) && child !== parent.getCondition() && mentionsLookup(parent.getCondition(), reader)) return true;
    if (Node.isBinaryExpression(parent) && child === parent.getRight() && mentionsLookup(parent.getLeft(), reader)) {
      const operator = parent.getOperatorToken().getKind();
      if (operator === SyntaxKind.AmpersandAmpersandToken || operator === SyntaxKind.BarBarToken) return true;
    }
    if (Node.isBlock(parent)) {
      for (const statement of parent.getStatements()) {
        if (statement === child) break;
        if (!Node.isIfStatement(statement) || statement.getElseStatement()) continue;
        const then = statement.getThenStatement();
        const only = Node.isBlock(then) ? then.getStatements() : [then];
        const exits = only.length === 1 && (Node.isReturnStatement(only[0]) || Node.isThrowStatement(only[0]));
        if (exits && mentionsLookup(statement.getExpression(), reader)) return true;
      }
    }
  }
  return false;
}

function runnerOperation(reader: Reader, call: CallExpression, method: string): Operation | undefined {
  const behaviour = runnerMethods[method];
  if (!behaviour) return undefined;
  const argumentNodes = call.getArguments();
  const args = argumentNodes.map((argument) => nameOf(argument));
  const table = args[0];
  const flagged = behaviour.flag !== undefined && unwrap(argumentNodes[behaviour.flag] ?? call).getText() === 'true';
  const conditions = guardConditions(call, reader.boundary, readerCheck(reader.runner));
  const guarded = flagged || conditions.some(behaviour.guardedBy(table, args)) || underLookup(call, reader);
  const column = ['addColumn', 'dropColumn', 'renameColumn'].includes(method) ? args[1] : undefined;
  return {
    direction: reader.direction,
    kind: `queryRunner.${method}`,
    target: table === undefined ? undefined : column === undefined ? table : `${table}.${column}`,
    needsGuard: true,
    guarded,
    fix: behaviour.fix(table ?? '…', args),
    loc: locationOf(call, reader.file),
  };
}

/** A SQL statement inside a `hasTable`/`hasColumn` check on the table it touches, or under a catalog look-up, is guarded. */
function sqlGuarded(operation: Operation, call: CallExpression, reader: Reader): boolean {
  const parts = operation.target?.split('.') ?? [];
  const conditions = guardConditions(call, reader.boundary, readerCheck(reader.runner));
  return conditions.some((c) => c.check.args[0] === undefined || parts.includes(c.check.args[0])) || underLookup(call, reader);
}

async function operationsOf(reader: Reader): Promise<{ operations: Operation[]; transactional: boolean }> {
  const operations: Operation[] = [];
  let transactional = true;
  const body = reader.boundary.getBody();
  if (!body) return { operations, transactional };
  for (const call of callsIn(body)) {
    const method = runnerCall(call, reader.runner);
    if (!method) continue;
    if (method === 'query') {
      const sql = await analyseEmbeddedSql(call.getArguments()[0], reader.file, reader.direction);
      if (!sql) continue;
      transactional &&= sql.transactional;
      for (const operation of sql.operations) {
        operations.push(operation.guarded || !sqlGuarded(operation, call, reader) ? operation : { ...operation, guarded: true });
      }
      continue;
    }
    const operation = runnerOperation(reader, call, method);
    if (operation) operations.push(operation);
  }
  return { operations, transactional };
}

/** The migration class: the first class with an `up` method (MigrationInterface). */
function migrationClass(sourceFile: SourceFile): ClassDeclaration | undefined {
  const classes = [...sourceFile.getClasses(), ...sourceFile.getDescendantsOfKind(SyntaxKind.ClassDeclaration)];
  return classes.find((declaration) => methodOf(declaration, 'up'));
}

/** `async up(queryRunner) {…}`, or `up = async (queryRunner) => {…}` as a property. */
function methodOf(declaration: ClassDeclaration, name: string): { declaration: Node; fn: FunctionNode } | undefined {
  const method = declaration.getMethod(name);
  if (method) return { declaration: method, fn: method };
  const property = declaration.getProperty(name);
  const initializer = property?.getInitializer();
  const value = initializer && unwrap(initializer);
  return property && isFunctionNode(value) ? { declaration: property, fn: value } : undefined;
}

/** `transaction = false` as a class field, or `this.transaction = false` in the constructor (compiled JS). */
function disablesTransaction(declaration: ClassDeclaration): boolean {
  const field = declaration.getProperty('transaction')?.getInitializer();
  if (field) return unwrap(field).getText() === 'false';
  return declaration
    .getConstructors()
    .some((ctor) => /\bthis\.transaction\s*=\s*false\b/.test(ctor.getBodyText() ?? ''));
}

function downModel(file: string, down: { declaration: Node; fn: FunctionNode } | undefined): DownModel {
  const top: SourceLocation = { file, line: 1, column: 1 };
  if (!down) return { status: 'missing', empty: false, loc: top };
  const loc = locationOf(down.declaration, file);
  // `throw new Error('irreversible')`: MigrationExecutor's revert can only fail, as with no down at all.
  const body = down.fn.getBody();
  const statements = body && Node.isBlock(body) ? body.getStatements() : [];
  if (statements.length > 0 && statements.every((statement) => Node.isThrowStatement(statement))) return { status: 'missing', empty: false, loc };
  return { status: 'present', empty: isEmptyFunction(down.fn), loc };
}

/** The static model of one TypeORM migration file, read from its source without running it. */
export async function analyseTypeormSource(source: string, file: string): Promise<MigrationModel> {
  const read = readMigrationSource(source, file, 'typeorm');
  if (read.unparsable) return read.unparsable;
  const { sourceFile, directives } = read;
  const declaration = migrationClass(sourceFile);
  const up = declaration && methodOf(declaration, 'up');
  const down = declaration && methodOf(declaration, 'down');
  let transactional = !(declaration && disablesTransaction(declaration));
  const operations: Operation[] = [];
  for (const [direction, member] of [['up', up], ['down', down]] as const) {
    if (!member) continue;
    const runner = parameterName(member.fn) ?? 'queryRunner';
    const found = await operationsOf({ file, direction, boundary: member.fn, runner, lookupNames: lookupNamesIn(member.fn, runner) });
    operations.push(...found.operations);
    transactional &&= found.transactional;
  }
  operations.sort(byPosition);
  return {
    file,
    framework: 'typeorm',
    up: up && locationOf(up.declaration, file),
    down: downModel(file, down),
    transactional,
    operations,
    directives,
  };
}
