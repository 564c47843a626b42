// The static model of a Kysely migration: its up/down, the schema builder chains and `sql` templates
// each executes, and whether each is guarded against a second run. A chain only runs when it is
// `.execute()`d: a builder left unexecuted (or only `.compile()`d) changes nothing.
import { Node } from '../ts-morph.js';
import type { CallExpression } from 'ts-morph';
import type { Direction, MigrationModel, Operation } from '../../types.js';
import {
  analyseEmbeddedSql,
  byPosition,
  callsIn,
  findExports,
  guardConditions,
  isFunctionNode,
  literalString,
  locationOf,
  readMigrationSource,
  resolveValue,
  unwrap,
  exportedDownModel,
} from '../ts-source.js';
import type { ExistenceCheck, FunctionNode, GuardCondition } from '../ts-source.js';

/** What an object is, for matching it with an existence check. */
type ObjectKind = 'table' | 'column' | 'index' | 'type' | 'schema' | 'view' | 'constraint';

/** How one `db.schema.<method>(name)` chain behaves on a second run (kysely's Postgres compiler decides the SQL). */
interface SchemaMethod {
  object: ObjectKind;
  /** The chain call that makes kysely emit IF [NOT] EXISTS / OR REPLACE. */
  guardedWith?: string[];
  /** Creates (an existence check must have found it absent) or drops/changes (found present). */
  creates: boolean;
  fix: (name: string) => string;
}

const q = (name: string) => `'${name}'`;

const schemaMethods: Record<string, SchemaMethod> = {
  createTable: { object: 'table', creates: true, guardedWith: ['ifNotExists'], fix: (n) => `add \`.ifNotExists()\`: \`db.schema.createTable(${q(n)}).ifNotExists()…\`` },
  dropTable: { object: 'table', creates: false, guardedWith: ['ifExists'], fix: (n) => `add \`.ifExists()\`: \`db.schema.dropTable(${q(n)}).ifExists()\`` },
  createIndex: { object: 'index', creates: true, guardedWith: ['ifNotExists'], fix: (n) => `add \`.ifNotExists()\`: \`db.schema.createIndex(${q(n)}).ifNotExists()…\`` },
  dropIndex: { object: 'index', creates: false, guardedWith: ['ifExists'], fix: (n) => `add \`.ifExists()\`: \`db.schema.dropIndex(${q(n)}).ifExists()\`` },
  createSchema: { object: 'schema', creates: true, guardedWith: ['ifNotExists'], fix: (n) => `add \`.ifNotExists()\`: \`db.schema.createSchema(${q(n)}).ifNotExists()\`` },
  dropSchema: { object: 'schema', creates: false, guardedWith: ['ifExists'], fix: (n) => `add \`.ifExists()\`: \`db.schema.dropSchema(${q(n)}).ifExists()\`` },
  createView: { object: 'view', creates: true, guardedWith: ['orReplace', 'ifNotExists'], fix: (n) => `add \`.orReplace()\`: \`db.schema.createView(${q(n)}).orReplace()…\`` },
  dropView: { object: 'view', creates: false, guardedWith: ['ifExists'], fix: (n) => `add \`.ifExists()\`: \`db.schema.dropView(${q(n)}).ifExists()\`` },
  // Postgres has no CREATE TYPE IF NOT EXISTS, and kysely no guarded form.
  createType: { object: 'type', creates: true, fix: (n) => `drop it first with \`db.schema.dropType(${q(n)}).ifExists()\`, or create it only when \`pg_type\` has no ${q(n)}` },
  dropType: { object: 'type', creates: false, guardedWith: ['ifExists'], fix: (n) => `add \`.ifExists()\`: \`db.schema.dropType(${q(n)}).ifExists()\`` },
};

/** Calls that scope the schema module without changing what it builds. */
const scopeMethods = new Set(['withSchema', 'withPlugin', 'withoutPlugins']);
const executeMethods = new Set(['execute', 'executeTakeFirst', 'executeTakeFirstOrThrow']);

/** One call of a builder chain: `addColumn('x', …)` in `db.schema.alterTable('t').addColumn('x', …).execute()`. */
interface Link {
  name: string;
  call: CallExpression;
}

/** `db.schema`, `trx.schema`, `this.db.schema`, possibly behind `.withSchema(s)`: the schema it is scoped to. */
function schemaModule(expression: Node): { schema?: string } | undefined {
  let schema: string | undefined;
  let current = unwrap(expression);
  for (;;) {
    if (Node.isPropertyAccessExpression(current) && current.getName() === 'schema') return { schema };
    if (!Node.isCallExpression(current)) return undefined;
    const callee = current.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || !scopeMethods.has(callee.getName())) return undefined;
    if (callee.getName() === 'withSchema') schema ??= literalString(current.getArguments()[0]);
    current = unwrap(callee.getExpression());
  }
}

/** The calls chained after `root`, in order: `.ifNotExists().addColumn(…).execute()`. */
function chainAfter(root: CallExpression): Link[] {
  const links: Link[] = [];
  let current: Node = root;
  for (;;) {
    const access = current.getParent();
    const call = access?.getParent();
    if (!Node.isPropertyAccessExpression(access) || !Node.isCallExpression(call) || call.getExpression() !== access) break;
    links.push({ name: access.getName(), call });
    current = call;
  }
  return links;
}

/**
 * Whether the chain ending at `last` runs: it ends in `.execute()`, or the unexecuted builder is kept
 * in a variable that is `.execute()`d later in the same function.
 */
function isExecuted(links: Link[], last: Node, boundary: FunctionNode): boolean {
  if (links.some((link) => executeMethods.has(link.name))) return true;
  let parent = last.getParent();
  while (parent && (Node.isParenthesizedExpression(parent) || Node.isAsExpression(parent))) parent = parent.getParent();
  if (!Node.isVariableDeclaration(parent)) return false;
  const name = parent.getName();
  const pattern = new RegExp(`\\b${name}\\s*\\.\\s*execute(?:TakeFirst(?:OrThrow)?)?\\s*\\(`);
  return pattern.test(boundary.getText());
}

// ---------------------------------------------------------------- existence checks

/** A helper named like an existence check: `hasTable(db, 'x')`, `columnExists(db, 't', 'c')`. */
const checkHelperName = /^(?:has[A-Z]\w*|\w*[eE]xists?)$/;

function objectOfHelper(name: string): string {
  for (const [pattern, kind] of [[/column/i, 'column'], [/index/i, 'index'], [/type|enum/i, 'type'], [/constraint|foreign|unique/i, 'constraint'], [/schema/i, 'schema'], [/view/i, 'view'], [/table/i, 'table']] as const) {
    if (pattern.test(name)) return kind;
  }
  return 'any';
}

/** `.name === 'users'` (either side) inside a callback or expression: the name a lookup searches for. */
function comparedName(node: Node): string | undefined {
  return /\bname\s*===?\s*['"`]([^'"`]+)['"`]|['"`]([^'"`]+)['"`]\s*===?\s*\w+\.name\b/.exec(node.getText())?.slice(1).find(Boolean);
}

/**
 * Kysely's existence checks: an introspection lookup (`(await db.introspection.getTables()).some((t) =>
 * t.name === 'users')`, `….columns.some((c) => c.name === 'x')`, `names.includes('users')`) or a
 * project helper named like one (`hasTable(db, 'users')`, `columnExists(db, 'users', 'x')`).
 */
function readKyselyCheck(call: CallExpression): ExistenceCheck | undefined {
  const callee = call.getExpression();
  const name = Node.isPropertyAccessExpression(callee) ? callee.getName() : Node.isIdentifier(callee) ? callee.getText() : '';
  const args = call.getArguments();
  if (Node.isPropertyAccessExpression(callee) && ['some', 'find', 'findIndex', 'includes'].includes(name)) {
    const receiver = callee.getExpression();
    const receiverText = receiver.getText();
    const sought = name === 'includes' ? literalString(args[0]) : args[0] && comparedName(args[0]);
    if (!sought) return undefined;
    if (/\bcolumns\b/.test(receiverText)) return { kind: 'column', args: [comparedName(receiver), sought] };
    return { kind: 'table', args: [sought] };
  }
  if (!checkHelperName.test(name)) return undefined;
  const strings = args.map((argument) => literalString(argument)).filter((text): text is string => text !== undefined);
  if (strings.length === 0) return undefined;
  const object = objectOfHelper(name);
  if (object === 'column' || (object === 'any' && strings.length === 2)) return { kind: 'column', args: strings.slice(-2) };
  return { kind: object, args: strings };
}

interface Target {
  object: ObjectKind;
  /** The object's own name (table, index, type… or the column). */
  name?: string;
  /** For columns and constraints: their table. */
  table?: string;
  creates: boolean;
}

/** A check fits when it looks for this object (or, for columns and constraints, their new table) and its answer lets the operation run once. */
function checkFits(condition: GuardCondition, target: Target): boolean {
  const { kind, args } = condition.check;
  if (target.table !== undefined && kind === 'table' && args[0] === target.table && !condition.exists) return true;
  if (condition.exists === target.creates) return false;
  if (target.object === 'column') {
    return kind === 'column' && args[1] === target.name && (args[0] === undefined || args[0] === target.table);
  }
  const sameKind = kind === target.object || kind === 'any' || (target.object === 'view' && kind === 'table');
  return sameKind && target.name !== undefined && args.includes(target.name);
}

// ---------------------------------------------------------------- operations

interface Reader {
  file: string;
  direction: Direction;
  boundary: FunctionNode;
}

function qualified(schema: string | undefined, name: string | undefined): string | undefined {
  return name === undefined ? undefined : schema ? `${schema}.${name}` : name;
}

/** Where a chained call is: at its method name (`.addColumn`), as chains put each call on its own line. */
function nameOf(call: CallExpression): Node {
  const callee = call.getExpression();
  return Node.isPropertyAccessExpression(callee) ? callee.getNameNode() : call;
}

/** The callback of `addColumn('x', 'text', (col) => col.ifNotExists())` asks for IF [NOT] EXISTS. */
function callbackCalls(node: Node | undefined, method: string): boolean {
  const callback = node && resolveValue(node);
  if (!isFunctionNode(callback)) return false;
  return callsIn(callback).some((call) => {
    const callee = call.getExpression();
    return Node.isPropertyAccessExpression(callee) && callee.getName() === method;
  });
}

/** One operation per column, constraint or rename in an `alterTable('t')` chain (`alterColumn` re-runs harmlessly). */
function alterTableOperations(reader: Reader, table: string, schema: string | undefined, links: Link[], conditions: GuardCondition[]): Operation[] {
  const operations: Operation[] = [];
  const lookup = (column: string) =>
    `(await db.introspection.getTables()).find((t) => t.name === ${q(table)})?.columns.some((c) => c.name === ${q(column)})`;
  links.forEach((link, index) => {
    const args = link.call.getArguments();
    const first = literalString(args[0]);
    const next = links[index + 1]?.name;
    const base = {
      direction: reader.direction,
      kind: `alterTable.${link.name}`,
      needsGuard: true,
      loc: locationOf(nameOf(link.call), reader.file),
    };
    const fits = (target: Target) => conditions.some((c) => checkFits(c, target));
    const column = (creates: boolean): Target => ({ object: 'column', name: first, table, creates });
    const target = qualified(schema, first === undefined ? table : `${table}.${first}`);
    switch (link.name) {
      case 'addColumn':
        operations.push({
          ...base, target,
          guarded: callbackCalls(args[2], 'ifNotExists') || fits(column(true)),
          fix: `add \`.ifNotExists()\` to the column: \`.addColumn(${q(first ?? '…')}, …, (col) => col.ifNotExists())\``,
        });
        break;
      case 'dropColumn':
        operations.push({
          ...base, target,
          guarded: callbackCalls(args[1], 'ifExists') || fits(column(false)),
          fix: `drop it only when present: \`.dropColumn(${q(first ?? '…')}, (col) => col.ifExists())\``,
        });
        break;
      case 'renameColumn':
        operations.push({ ...base, target, guarded: fits(column(false)), fix: `rename it only when it is there: \`if (${lookup(first ?? '…')}) { … }\`` });
        break;
      case 'dropConstraint':
        operations.push({
          ...base, target: qualified(schema, `${table}.${first ?? '…'}`),
          guarded: next === 'ifExists' || fits({ object: 'constraint', name: first, table, creates: false }),
          fix: `add \`.ifExists()\`: \`.dropConstraint(${q(first ?? '…')}).ifExists()\``,
        });
        break;
      case 'addUniqueConstraint':
      case 'addCheckConstraint':
      case 'addForeignKeyConstraint':
      case 'addPrimaryKeyConstraint':
      case 'renameConstraint':
      case 'addIndex':
      case 'dropIndex':
        operations.push({
          ...base, target: qualified(schema, `${table}.${first ?? '…'}`),
          guarded: fits({ object: link.name === 'addIndex' || link.name === 'dropIndex' ? 'index' : 'constraint', name: first, table, creates: link.name.startsWith('add') }),
          fix: `Postgres has no IF NOT EXISTS here: drop it first (\`.dropConstraint(${q(first ?? '…')}).ifExists()\`) or check \`information_schema.table_constraints\``,
        });
        break;
      case 'renameTo':
      case 'setSchema':
        operations.push({
          ...base, target: qualified(schema, table),
          guarded: fits({ object: 'table', name: table, creates: false }),
          fix: `check first: \`if ((await db.introspection.getTables()).some((t) => t.name === ${q(table)})) { … }\``,
        });
        break;
      default:
        break;
    }
  });
  return operations;
}

/** `db.schema.<method>(name)…` chains, each with what its calls do. */
function schemaOperations(reader: Reader, call: CallExpression): Operation[] | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.getName();
  if (!(method in schemaMethods) && method !== 'alterTable' && method !== 'alterType') return undefined;
  const module = schemaModule(callee.getExpression());
  if (!module) return undefined;
  const links = chainAfter(call);
  const last = links.at(-1)?.call ?? call;
  if (!isExecuted(links, last, reader.boundary)) return [];
  const name = literalString(call.getArguments()[0]) ?? '…';
  const conditions = guardConditions(call, reader.boundary, readKyselyCheck);
  const loc = locationOf(callee.getNameNode().getStartLineNumber() !== call.getStartLineNumber() ? callee.getNameNode() : call, reader.file);
  if (method === 'alterTable') return alterTableOperations(reader, name, module.schema, links, conditions);
  if (method === 'alterType') {
    // addValue(…).ifNotExists() re-runs harmlessly; renames need the old name to be there.
    const names = links.map((link) => link.name);
    if (names.includes('addValue') && names.includes('ifNotExists')) return [];
    const guarded = conditions.some((c) => checkFits(c, { object: 'type', name, creates: false }));
    const fix = names.includes('addValue') ? `add \`.ifNotExists()\`: \`db.schema.alterType(${q(name)}).addValue('…').ifNotExists()\`` : undefined;
    return [{ direction: reader.direction, kind: 'db.schema.alterType', target: qualified(module.schema, name), needsGuard: true, guarded, fix, loc }];
  }
  const behaviour = schemaMethods[method];
  const names = links.map((link) => link.name);
  const selfGuarded = behaviour.guardedWith?.some((guard) => names.includes(guard)) ?? false;
  const guarded = selfGuarded || conditions.some((c) => checkFits(c, { object: behaviour.object, name, creates: behaviour.creates }));
  return [{
    direction: reader.direction,
    kind: `db.schema.${method}`,
    target: qualified(module.schema, name),
    needsGuard: true,
    guarded,
    fix: behaviour.fix(name),
    loc,
  }];
}

/** The SQL an executed `sql\`…\`.execute(db)`, `sql.raw('…').execute(db)` or `db.executeQuery(CompiledQuery.raw('…'))` runs. */
function executedSql(call: CallExpression): Node | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const receiver = unwrap(callee.getExpression());
  if (callee.getName() === 'execute') {
    if (Node.isTaggedTemplateExpression(receiver) && /(?:^|\.)sql$/.test(receiver.getTag().getText())) return receiver.getTemplate();
    if (Node.isCallExpression(receiver) && /(?:^|\.)sql\.raw$/.test(receiver.getExpression().getText())) return receiver.getArguments()[0];
  }
  if (callee.getName() === 'executeQuery') {
    const argument = call.getArguments()[0] && unwrap(call.getArguments()[0]);
    if (Node.isCallExpression(argument) && /CompiledQuery\.raw$/.test(argument.getExpression().getText())) return argument.getArguments()[0];
  }
  return undefined;
}

/** A statement inside an existence check on the table it touches is guarded by that check. */
function sqlGuarded(operation: Operation, conditions: GuardCondition[]): boolean {
  const parts = operation.target?.split('.') ?? [];
  return conditions.some((c) => c.check.args.some((arg) => arg !== undefined && parts.includes(arg)));
}

/** `dropType('mood').ifExists()` (or any guarded drop) before `createType('mood')` makes the create safe to repeat. */
function droppedFirst(operations: Operation[]): Operation[] {
  return operations.map((operation, index) => {
    if (operation.guarded || !operation.kind.startsWith('db.schema.create')) return operation;
    const dropKind = operation.kind.replace('.create', '.drop');
    const dropped = operations.slice(0, index).some((earlier) => earlier.kind === dropKind && earlier.guarded && earlier.target === operation.target);
    return dropped ? { ...operation, guarded: true } : operation;
  });
}

async function operationsOf(reader: Reader): Promise<{ operations: Operation[]; transactional: boolean }> {
  const operations: Operation[] = [];
  let transactional = true;
  const body = reader.boundary.getBody();
  if (!body) return { operations, transactional };
  for (const call of callsIn(body)) {
    const sqlNode = executedSql(call);
    if (sqlNode) {
      const sql = await analyseEmbeddedSql(sqlNode, reader.file, reader.direction);
      if (!sql) continue;
      const conditions = guardConditions(call, reader.boundary, readKyselyCheck);
      transactional &&= sql.transactional;
      for (const operation of sql.operations) {
        operations.push(operation.guarded || !sqlGuarded(operation, conditions) ? operation : { ...operation, guarded: true });
      }
      continue;
    }
    const found = schemaOperations(reader, call);
    if (found) operations.push(...found);
  }
  operations.sort(byPosition);
  return { operations: droppedFirst(operations), transactional };
}

/** The static model of one Kysely migration file, read from its source without running it. */
export async function analyseKyselySource(source: string, file: string): Promise<MigrationModel> {
  const read = readMigrationSource(source, file, 'kysely');
  if (read.unparsable) return read.unparsable;
  const { sourceFile, directives } = read;
  const exported = findExports(sourceFile, ['up', 'down']);
  const up = exported.get('up');
  const down = exported.get('down');
  let transactional = true;
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
    framework: 'kysely',
    up: up && locationOf(up.declaration, file),
    down: exportedDownModel(file, down),
    transactional,
    operations,
    directives,
  };
}
