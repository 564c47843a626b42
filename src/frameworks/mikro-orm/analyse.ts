// The static model of a MikroORM migration: a class extending `Migration` whose up()/down() queue
// SQL with `this.addSql(…)` (or run it at once with `this.execute(…)`). MikroORM 6 and 7 share
// this shape; MikroORM 6 also accepts knex builders from `this.getKnex()`.
import { Node } from '../ts-morph.js';
import type { CallExpression, ClassDeclaration, SourceFile } from 'ts-morph';
import type { Direction, DownModel, MigrationModel, Operation, SourceLocation } from '../../types.js';
import {
  analyseEmbeddedSql,
  byPosition,
  callsIn,
  isEmptyFunction,
  isFunctionNode,
  literalString,
  locationOf,
  readMigrationSource,
  stringValue,
  unwrap,
} from '../ts-source.js';
import type { ExportedMember, FunctionNode } from '../ts-source.js';

/** The class MikroORM instantiates: the one extending `Migration`, else the first class with an up(). */
function migrationClass(sourceFile: SourceFile): ClassDeclaration | undefined {
  const classes = sourceFile.getDescendants().filter((node): node is ClassDeclaration => Node.isClassDeclaration(node));
  const extendsMigration = classes.find((declaration) => /(?:^|\.)Migration$/.test(declaration.getExtends()?.getExpression().getText() ?? ''));
  return extendsMigration ?? classes.find((declaration) => declaration.getMethod('up'));
}

function method(declaration: ClassDeclaration | undefined, name: string): ExportedMember | undefined {
  const found = declaration?.getMethod(name);
  return found ? { name, declaration: found, fn: found } : undefined;
}

/** `this.<name>(…)`: the migration's own helpers (addSql, execute). */
function isThisMember(callee: Node, name: string): boolean {
  return Node.isPropertyAccessExpression(callee) && callee.getName() === name && Node.isThisExpression(unwrap(callee.getExpression()));
}

// ------------------------------------------------------------------ existence checks

/** A check found in code: which table it looks at, undefined when it cannot be read. */
interface Check {
  table?: string;
}

const catalogs = /\b(?:information_schema|pg_catalog|pg_tables|pg_class|pg_indexes|pg_constraint|pg_type|pg_enum|pg_attribute|pg_namespace)\b|\bto_regclass\s*\(/i;
const checkedTable = /\b(?:table_name|tablename|relname|typname|indexname|conname)\s*=\s*'([^']+)'|\bto_regclass\s*\(\s*'(?:[^'.]+\.)?"?([^'"]+)"?'/i;

/**
 * `this.execute('select … from information_schema…')`, `this.getKnex().schema.hasTable('t')`
 * and `knex.schema.hasColumn('t', 'c')` read the catalog: code branching on them is guarded.
 */
function readCheck(call: CallExpression): Check | undefined {
  const callee = call.getExpression();
  if (isThisMember(callee, 'execute')) {
    const argument = call.getArguments()[0];
    const sql = argument && stringValue(argument)?.text;
    if (!sql || !catalogs.test(sql)) return undefined;
    const match = checkedTable.exec(sql);
    return { table: match?.[1] ?? match?.[2] };
  }
  if (Node.isPropertyAccessExpression(callee) && ['hasTable', 'hasColumn'].includes(callee.getName()) && /\.schema$/.test(callee.getExpression().getText())) {
    return { table: literalString(call.getArguments()[0]) };
  }
  return undefined;
}

/** The checks a condition expression reads: its own calls, and those behind the consts it names. */
function checksIn(expression: Node, depth = 0): Check[] {
  const checks: Check[] = [];
  for (const call of callsIn(expression)) {
    const check = readCheck(call);
    if (check) checks.push(check);
  }
  if (depth > 3) return checks;
  const identifiers = Node.isIdentifier(expression) ? [expression] : expression.getDescendants().filter((node) => Node.isIdentifier(node));
  for (const identifier of identifiers) {
    const declaration = localDeclaration(identifier);
    if (Node.isVariableDeclaration(declaration)) {
      const initializer = declaration.getInitializer();
      if (initializer) checks.push(...checksIn(initializer, depth + 1));
    }
  }
  return checks;
}

/** Without a type checker symbols may be absent: the nearest earlier `const name = …` in scope. */
function localDeclaration(identifier: Node): Node | undefined {
  const name = identifier.getText();
  for (let scope = identifier.getParent(); scope; scope = scope.getParent()) {
    if (!Node.isBlock(scope)) continue;
    for (const statement of scope.getStatements()) {
      if (!Node.isVariableStatement(statement)) continue;
      const declaration = statement.getDeclarations().find((d) => d.getName() === name);
      if (declaration) return declaration;
    }
  }
  return undefined;
}

/** `if (cond) return;`: the rest of the block runs only when `cond` says so. */
function earlyExit(statement: Node): Node | undefined {
  if (!Node.isIfStatement(statement) || statement.getElseStatement()) return undefined;
  const then = statement.getThenStatement();
  const only = Node.isBlock(then) ? then.getStatements() : [then];
  return only.length === 1 && (Node.isReturnStatement(only[0]) || Node.isThrowStatement(only[0])) ? statement.getExpression() : undefined;
}

/**
 * The existence checks `node` runs under inside `boundary`: enclosing if/else and ternaries, `&&`/`||`
 * and earlier early returns. Which way a check was answered is not read: a migration that asks the
 * catalog before acting has thought about a second run, and a false positive costs more than a miss.
 */
function checksAround(node: Node, boundary: Node): Check[] {
  const checks: Check[] = [];
  let child: Node = node;
  for (let parent = node.getParent(); parent && child !== boundary; child = parent, parent = parent.getParent()) {
    if (Node.isIfStatement(parent) && child !== parent.getExpression()) checks.push(...checksIn(parent.getExpression()));
    else if (Node.isConditionalExpression(parent) && child !== parent.getCondition()) checks.push(...checksIn(parent.getCondition()));
    else if (Node.isBinaryExpression(parent) && child === parent.getRight() && ['&&', '||'].includes(parent.getOperatorToken().getText())) {
      checks.push(...checksIn(parent.getLeft()));
    } else if (Node.isBlock(parent)) {
      for (const statement of parent.getStatements()) {
        if (statement === child) break;
        const exit = earlyExit(statement);
        if (exit) checks.push(...checksIn(exit));
      }
    }
  }
  return checks;
}

/**
 * A check guards an operation when it looks at the table the operation touches (or at one it cannot
 * name); `statement` is the queued SQL, which names the table of an index or constraint.
 */
function guardedBy(operation: Operation, checks: Check[], statement: string): boolean {
  const parts = operation.target?.split('.') ?? [];
  const names = (table: string) => new RegExp(`(?:^|[\\s."(])${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[\\s."(),;])`).test(statement);
  return checks.some((check) => check.table === undefined || parts.includes(check.table) || names(check.table));
}

// ------------------------------------------------------------------ knex builders (MikroORM 6)

interface KnexMethod {
  selfGuarded?: boolean;
  fix?: (name: string) => string;
}

// knex's pg dialect emits IF [NOT] EXISTS for the *IfExists/*IfNotExists forms only.
const knexSchemaMethods: Record<string, KnexMethod> = {
  createTable: { fix: (name) => `use \`this.getKnex().schema.createTableIfNotExists('${name}', …)\`, or queue \`create table if not exists …\`` },
  createTableIfNotExists: { selfGuarded: true },
  dropTable: { fix: (name) => `use \`this.getKnex().schema.dropTableIfExists('${name}')\`` },
  dropTableIfExists: { selfGuarded: true },
  renameTable: { fix: (name) => `check first: \`if (await this.getKnex().schema.hasTable('${name}')) { … }\`` },
  createSchema: { fix: (name) => `use \`this.getKnex().schema.createSchemaIfNotExists('${name}')\`` },
  createSchemaIfNotExists: { selfGuarded: true },
  dropSchema: { fix: (name) => `use \`this.getKnex().schema.dropSchemaIfExists('${name}')\`` },
  dropSchemaIfExists: { selfGuarded: true },
  createView: { fix: (name) => `use \`this.getKnex().schema.createViewOrReplace('${name}', …)\`` },
  createViewOrReplace: { selfGuarded: true },
  dropView: { fix: (name) => `use \`this.getKnex().schema.dropViewIfExists('${name}')\`` },
  dropViewIfExists: { selfGuarded: true },
};

/** `….schema.createTable('t', …)` built from `this.getKnex()` or a knex held in a const. */
function knexSchemaCall(call: CallExpression): { method: string; behaviour: KnexMethod } | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const behaviour = knexSchemaMethods[callee.getName()];
  if (!behaviour || !/(?:^|\.)schema$|\.schema\s*\.withSchema\([^)]*\)$/.test(callee.getExpression().getText().replace(/\s+/g, ''))) return undefined;
  return { method: callee.getName(), behaviour };
}

// ------------------------------------------------------------------ operations

interface Reader {
  file: string;
  direction: Direction;
  boundary: FunctionNode;
}

/** The SQL (and knex schema builders) one `this.addSql(x)` / `this.execute(x)` hands MikroORM. */
async function statementOperations(reader: Reader, call: CallExpression): Promise<{ operations: Operation[]; transactional: boolean }> {
  const argument = call.getArguments()[0];
  const embedded = argument && (await analyseEmbeddedSql(argument, reader.file, reader.direction));
  if (embedded) return embedded;
  const operations: Operation[] = [];
  let transactional = true;
  if (!argument) return { operations, transactional };
  // A builder: `this.getKnex().schema.createTable(…)` or `….raw('…')` inside the argument.
  for (const inner of callsIn(argument)) {
    const callee = inner.getExpression();
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'raw') {
      const sql = await analyseEmbeddedSql(inner.getArguments()[0], reader.file, reader.direction);
      if (sql) {
        operations.push(...sql.operations);
        transactional &&= sql.transactional;
      }
      continue;
    }
    const schema = knexSchemaCall(inner);
    if (!schema) continue;
    const name = literalString(inner.getArguments()[0]) ?? '…';
    operations.push({
      direction: reader.direction,
      kind: `knex.schema.${schema.method}`,
      target: name,
      needsGuard: true,
      guarded: Boolean(schema.behaviour.selfGuarded),
      fix: schema.behaviour.fix?.(name),
      loc: locationOf(Node.isPropertyAccessExpression(callee) ? callee.getNameNode() : inner, reader.file),
    });
  }
  return { operations, transactional };
}

/** `DROP … IF EXISTS x` queued before `CREATE … x` / `ADD CONSTRAINT x` is the idiomatic guard, across addSql calls too. */
function guardedByEarlierDrop(operations: Operation[]): Operation[] {
  const dropped = new Set<string>();
  return operations.map((operation) => {
    const isDrop = /\bDROP\b/.test(operation.kind) || /\.drop\w*IfExists$/.test(operation.kind);
    if (isDrop && operation.guarded && operation.target) dropped.add(`${operation.direction}:${operation.target}`);
    if (!isDrop && operation.needsGuard && !operation.guarded && dropped.has(`${operation.direction}:${operation.target}`)) {
      return { ...operation, guarded: true, fix: undefined };
    }
    return operation;
  });
}

async function operationsOf(reader: Reader): Promise<{ operations: Operation[]; transactional: boolean }> {
  const operations: Operation[] = [];
  let transactional = true;
  const body = reader.boundary.getBody();
  if (!body) return { operations, transactional };
  for (const call of callsIn(body)) {
    const callee = call.getExpression();
    if (!isThisMember(callee, 'addSql') && !isThisMember(callee, 'execute')) continue;
    // A catalog read used as a check is no schema change.
    if (readCheck(call)) continue;
    const found = await statementOperations(reader, call);
    transactional &&= found.transactional;
    const checks = checksAround(call, reader.boundary);
    const statement = call.getArguments()[0]?.getText() ?? '';
    for (const operation of found.operations) {
      operations.push(operation.guarded || !operation.needsGuard || !guardedBy(operation, checks, statement) ? operation : { ...operation, guarded: true });
    }
  }
  return { operations: guardedByEarlierDrop(operations), transactional };
}

/** `isTransactional() { return false; }` (or `=> false`) turns MikroORM's per-migration transaction off. */
function disablesTransaction(member: ExportedMember | undefined): boolean {
  const fn = member?.fn;
  if (!fn) return false;
  const body = fn.getBody();
  if (!body) return false;
  if (!Node.isBlock(body)) return unwrap(body).getText() === 'false';
  const statements = body.getStatements();
  const last = statements.at(-1);
  return statements.length === 1 && Node.isReturnStatement(last) && last.getExpression()?.getText() === 'false';
}

/** A down that only throws is MikroORM's own "cannot be reverted": no down at all. */
function onlyThrows(fn: FunctionNode): boolean {
  const body = fn.getBody();
  if (!body || !Node.isBlock(body)) return false;
  const statements = body.getStatements();
  return statements.length > 0 && statements.every((statement) => Node.isThrowStatement(statement));
}

function downModel(file: string, down: ExportedMember | undefined): DownModel {
  const top: SourceLocation = { file, line: 1, column: 1 };
  // The base class's down() throws 'This migration cannot be reverted'.
  if (!down?.fn) return { status: 'missing', empty: false, loc: top };
  const loc = locationOf(down.declaration, file);
  if (onlyThrows(down.fn)) return { status: 'missing', empty: false, loc };
  return { status: 'present', empty: isEmptyFunction(down.fn), loc };
}

/** The static model of one MikroORM migration file, read from its source without running it. */
export async function analyseMikroOrmSource(source: string, file: string): Promise<MigrationModel> {
  const read = readMigrationSource(source, file, 'mikro-orm');
  if (read.unparsable) return read.unparsable;
  const { sourceFile, directives } = read;
  const declaration = migrationClass(sourceFile);
  const up = method(declaration, 'up');
  const down = method(declaration, 'down');
  let transactional = !disablesTransaction(method(declaration, 'isTransactional'));
  const operations: Operation[] = [];
  for (const [direction, member] of [['up', up], ['down', down]] as const) {
    if (!member?.fn || !isFunctionNode(member.fn)) continue;
    const found = await operationsOf({ file, direction, boundary: member.fn });
    operations.push(...found.operations);
    transactional &&= found.transactional;
  }
  operations.sort(byPosition);
  return {
    file,
    framework: 'mikro-orm',
    up: up && locationOf(up.declaration, file),
    down: downModel(file, down),
    transactional,
    operations,
    directives,
  };
}
