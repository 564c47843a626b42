// The static model of a node-pg-migrate migration: its up/down (or the down node-pg-migrate derives),
// the `pgm.*` operations, and whether each carries its guard option.
import { Node } from '../ts-morph.js';
import type { CallExpression } from 'ts-morph';
import { parseDirectives } from '../../directives.js';
import type { Direction, DownModel, MigrationModel, Operation, SourceLocation } from '../../types.js';
import {
  analyseEmbeddedSql,
  callsIn,
  findExports,
  isEmptyFunction,
  literalString,
  locationOf,
  parameterName,
  resolveValue,
  readMigrationSource,
  unwrap,
} from '../ts-source.js';
import type { ExportedMember, FunctionNode } from '../ts-source.js';

/** How one `pgm.*` operation is guarded, read from node-pg-migrate 8's operation option types. */
interface PgmOperation {
  /** Which argument holds the options object. */
  optionsAt?: number;
  /** The option that makes the emitted SQL guarded: IF [NOT] EXISTS or OR REPLACE. */
  option?: 'ifNotExists' | 'ifExists' | 'replace';
  /** Re-running it changes nothing: not an operation worth a guard. */
  idempotent?: boolean;
  fix?: string;
}

const cannotGuard = (what: string) =>
  `node-pg-migrate has no guard option for ${what}: run it in \`pgm.sql\` inside a DO block that checks the catalog first`;

const pgmOperations: Record<string, PgmOperation> = {
  createTable: { optionsAt: 2, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` as the third argument' },
  dropTable: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  renameTable: { fix: cannotGuard('renameTable') },
  alterTable: { idempotent: true },
  addColumns: { optionsAt: 2, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` as the third argument' },
  addColumn: { optionsAt: 2, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` as the third argument' },
  dropColumns: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  dropColumn: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  renameColumn: { fix: cannotGuard('renameColumn') },
  alterColumn: { idempotent: true },
  addConstraint: { fix: 'drop it first with `pgm.dropConstraint(table, name, { ifExists: true })`' },
  createConstraint: { fix: 'drop it first with `pgm.dropConstraint(table, name, { ifExists: true })`' },
  dropConstraint: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  renameConstraint: { fix: cannotGuard('renameConstraint') },
  createType: {
    fix: "node-pg-migrate has no ifNotExists for types: create it in `pgm.sql` inside a DO block that checks pg_type, or drop it first with `pgm.dropType(name, { ifExists: true })`",
  },
  addType: { fix: 'node-pg-migrate has no ifNotExists for types: create it in `pgm.sql` inside a DO block that checks pg_type' },
  dropType: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  renameType: { fix: cannotGuard('renameType') },
  renameTypeAttribute: { fix: cannotGuard('renameTypeAttribute') },
  renameTypeValue: { fix: cannotGuard('renameTypeValue') },
  addTypeAttribute: { fix: cannotGuard('addTypeAttribute') },
  dropTypeAttribute: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  setTypeAttribute: { idempotent: true },
  addTypeValue: { optionsAt: 2, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` as the third argument' },
  createIndex: { optionsAt: 2, option: 'ifNotExists', fix: 'add `ifNotExists: true` to the options (third argument)' },
  addIndex: { optionsAt: 2, option: 'ifNotExists', fix: 'add `ifNotExists: true` to the options (third argument)' },
  dropIndex: { optionsAt: 2, option: 'ifExists', fix: 'add `ifExists: true` to the options (third argument)' },
  createRole: { fix: cannotGuard('createRole') },
  dropRole: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  alterRole: { idempotent: true },
  renameRole: { fix: cannotGuard('renameRole') },
  createFunction: { optionsAt: 2, option: 'replace', fix: 'add `replace: true` to the options (third argument)' },
  dropFunction: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  renameFunction: { fix: cannotGuard('renameFunction') },
  createTrigger: { fix: 'drop it first with `pgm.dropTrigger(table, name, { ifExists: true })`' },
  dropTrigger: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  renameTrigger: { fix: cannotGuard('renameTrigger') },
  createSchema: { optionsAt: 1, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` as the second argument' },
  dropSchema: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  renameSchema: { fix: cannotGuard('renameSchema') },
  createDomain: { fix: 'drop it first with `pgm.dropDomain(name, { ifExists: true })`' },
  dropDomain: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  alterDomain: { idempotent: true },
  renameDomain: { fix: cannotGuard('renameDomain') },
  createSequence: { optionsAt: 1, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` in the options (second argument)' },
  dropSequence: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  alterSequence: { idempotent: true },
  renameSequence: { fix: cannotGuard('renameSequence') },
  createOperator: { fix: cannotGuard('createOperator') },
  dropOperator: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  createOperatorClass: { fix: cannotGuard('createOperatorClass') },
  dropOperatorClass: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  createOperatorFamily: { fix: cannotGuard('createOperatorFamily') },
  dropOperatorFamily: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  createPolicy: { fix: 'drop it first with `pgm.dropPolicy(table, name, { ifExists: true })`' },
  dropPolicy: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
  alterPolicy: { idempotent: true },
  renamePolicy: { fix: cannotGuard('renamePolicy') },
  createView: { optionsAt: 1, option: 'replace', fix: 'add `replace: true` to the options (second argument)' },
  dropView: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  alterView: { idempotent: true },
  renameView: { fix: cannotGuard('renameView') },
  createMaterializedView: { optionsAt: 1, option: 'ifNotExists', fix: 'add `ifNotExists: true` to the options (second argument)' },
  dropMaterializedView: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  renameMaterializedView: { fix: cannotGuard('renameMaterializedView') },
  createExtension: { optionsAt: 1, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` as the second argument' },
  addExtension: { optionsAt: 1, option: 'ifNotExists', fix: 'pass `{ ifNotExists: true }` as the second argument' },
  dropExtension: { optionsAt: 1, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the second argument' },
  createCast: { fix: 'drop it first with `pgm.dropCast(from, to, { ifExists: true })`' },
  dropCast: { optionsAt: 2, option: 'ifExists', fix: 'pass `{ ifExists: true }` as the third argument' },
};

/**
 * Operations node-pg-migrate can run backwards: its operation functions that carry a `.reverse`
 * (dist/bundle/index.js), under every name MigrationBuilder exposes them by.
 */
const reversible = new Set([
  'createCast', 'createDomain', 'renameDomain', 'createExtension', 'addExtension', 'createFunction',
  'renameFunction', 'grantOnSchemas', 'grantOnTables', 'grantRoles', 'createIndex', 'addIndex',
  'createMaterializedView', 'refreshMaterializedView', 'renameMaterializedView',
  'renameMaterializedViewColumn', 'addToOperatorFamily', 'createOperator', 'createOperatorClass',
  'createOperatorFamily', 'renameOperatorClass', 'renameOperatorFamily', 'createPolicy', 'renamePolicy',
  'createRole', 'renameRole', 'createSchema', 'renameSchema', 'createSequence', 'renameSequence',
  'addColumns', 'addColumn', 'addConstraint', 'createConstraint', 'createTable', 'renameColumn',
  'renameConstraint', 'renameTable', 'createTrigger', 'renameTrigger', 'addTypeAttribute', 'createType',
  'addType', 'renameType', 'renameTypeAttribute', 'renameTypeValue', 'createView', 'renameView',
]);

/** MigrationBuilder members that are no schema operation and leave reverse mode alone. */
const notOperations = new Set(['noTransaction', 'func', 'getSql', 'getSqlSteps', 'isUsingTransaction', 'enableReverseMode']);

/** `'users'` or `{ schema: 'app', name: 'users' }`. */
function nameOf(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const text = literalString(node);
  if (text !== undefined) return text;
  const value = unwrap(resolveValue(node));
  if (!Node.isObjectLiteralExpression(value)) return undefined;
  const part = (key: string) => {
    const property = value.getProperty(key);
    return Node.isPropertyAssignment(property) ? literalString(property.getInitializerOrThrow()) : undefined;
  };
  const name = part('name');
  const schema = part('schema');
  return name === undefined ? undefined : schema ? `${schema}.${name}` : name;
}

/** The value of `option` in an options object: true/false, or undefined when it cannot be read statically. */
function optionValue(options: Node | undefined, option: string): boolean | undefined {
  if (!options) return false;
  const value = unwrap(resolveValue(options));
  if (!Node.isObjectLiteralExpression(value)) return undefined;
  const property = value.getProperty(option);
  if (!property) return value.getProperties().some((p) => Node.isSpreadAssignment(p)) ? undefined : false;
  if (!Node.isPropertyAssignment(property)) return undefined;
  const text = property.getInitializerOrThrow().getText();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

interface Reader {
  file: string;
  direction: Direction;
  fn: FunctionNode;
  /** The MigrationBuilder parameter's name (`pgm`). */
  builder: string;
}

/** `pgm.<method>(…)` calls in a function, with the method name. */
function builderCalls(reader: Reader): { call: CallExpression; method: string }[] {
  const body = reader.fn.getBody();
  if (!body) return [];
  const calls: { call: CallExpression; method: string }[] = [];
  for (const call of callsIn(body)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const receiver = unwrap(callee.getExpression()).getText();
    if (receiver === reader.builder) calls.push({ call, method: callee.getName() });
    else if (receiver === `${reader.builder}.db`) calls.push({ call, method: `db.${callee.getName()}` });
  }
  return calls;
}

async function operationsOf(reader: Reader): Promise<{ operations: Operation[]; transactional: boolean }> {
  const operations: Operation[] = [];
  let transactional = true;
  const droppedTypes = new Set<string>();
  for (const { call, method } of builderCalls(reader)) {
    const args = call.getArguments();
    if (method === 'noTransaction') transactional = false;
    if ((method === 'createIndex' || method === 'addIndex' || method === 'dropIndex') && optionValue(args[2], 'concurrently')) {
      transactional = false;
    }
    if (method === 'sql') {
      const sql = await analyseEmbeddedSql(args[0], reader.file, reader.direction);
      if (!sql) continue;
      operations.push(...sql.operations);
      transactional &&= sql.transactional;
      continue;
    }
    const behaviour = pgmOperations[method];
    if (!behaviour || behaviour.idempotent) continue;
    const target = nameOf(args[0]);
    let guarded = false;
    if (behaviour.option && behaviour.optionsAt !== undefined) {
      // Options built at run time cannot be read here: trust them, the dynamic run will tell.
      guarded = optionValue(args[behaviour.optionsAt], behaviour.option) ?? true;
    }
    if (method === 'dropType' && guarded && target) droppedTypes.add(target);
    if ((method === 'createType' || method === 'addType') && target && droppedTypes.has(target)) guarded = true;
    operations.push({
      direction: reader.direction,
      kind: `pgm.${method}`,
      target: method === 'addColumns' || method === 'addColumn' || method === 'dropColumns' || method === 'dropColumn'
        ? columnsTarget(target, args[1])
        : target,
      needsGuard: true,
      guarded,
      fix: behaviour.fix,
      loc: locationOf(call, reader.file),
    });
  }
  return { operations, transactional };
}

/** `users.status` for `addColumns('users', { status: … })` or `dropColumns('users', ['status'])`. */
function columnsTarget(table: string | undefined, columns: Node | undefined): string | undefined {
  if (!table || !columns) return table;
  const value = unwrap(resolveValue(columns));
  let names: string[] = [];
  if (Node.isObjectLiteralExpression(value)) {
    names = value.getProperties().flatMap((p) => (Node.isPropertyNamed(p) ? [p.getName().replace(/^['"]|['"]$/g, '')] : []));
  } else if (Node.isArrayLiteralExpression(value)) {
    names = value.getElements().flatMap((e) => literalString(e) ?? []);
  } else {
    const single = literalString(value);
    if (single) names = [single];
  }
  return names.length ? `${table}.${names.join(', ')}` : table;
}

/** Why node-pg-migrate cannot run up backwards: the first call without a `.reverse`, or undefined. */
function irreversibleCall(reader: Reader, major: number): string | undefined {
  for (const { call, method } of builderCalls(reader)) {
    if (notOperations.has(method)) continue;
    const line = locationOf(call, reader.file).line;
    if (method.startsWith('db.')) return `pgm.${method}() on line ${line} cannot run backwards`;
    if (!reversible.has(method)) return `node-pg-migrate cannot reverse pgm.${method}() on line ${line}`;
    if (method === 'addConstraint' || method === 'createConstraint') {
      const [, name, expression] = call.getArguments();
      if (!name || name.getText() === 'null') return `node-pg-migrate cannot reverse pgm.${method}() without a constraint name on line ${line}`;
      // 6.x drops a named constraint whatever its expression; 7.0 refuses a raw SQL one.
      if (major >= 7 && expression && literalString(expression) !== undefined) {
        return `node-pg-migrate cannot reverse pgm.${method}() with a raw SQL expression on line ${line}`;
      }
    }
  }
  return undefined;
}

function downModel(file: string, up: Reader | undefined, down: ExportedMember | undefined, major: number): DownModel {
  const top: SourceLocation = { file, line: 1, column: 1 };
  if (down) {
    const loc = locationOf(down.declaration, file);
    if (down.fn) return { status: 'present', empty: isEmptyFunction(down.fn), loc };
    if (down.value?.getText() === 'false') return { status: 'disabled', empty: false, loc };
    // `down = undefined` is the same as omitting it: node-pg-migrate derives it from up.
    if (down.value?.getText() !== 'undefined') return { status: 'present', empty: false, loc };
  }
  if (!up) return { status: 'missing', empty: false, loc: top };
  const reason = irreversibleCall(up, major);
  return reason ? { status: 'not-derivable', empty: false, reason, loc: top } : { status: 'automatic', empty: false, loc: top };
}

/**
 * The static model of one node-pg-migrate migration written in JS or TS, as the project's major
 * version (`major`, the newest when unknown) reverses it.
 */
export async function analyseNodePgMigrateSource(source: string, file: string, major = 9): Promise<MigrationModel> {
  const read = readMigrationSource(source, file, 'node-pg-migrate');
  if (read.unparsable) return read.unparsable;
  const { sourceFile, directives } = read;
  const exported = findExports(sourceFile, ['up', 'down']);
  const up = exported.get('up');
  const down = exported.get('down');
  const readerOf = (member: ExportedMember | undefined, direction: Direction): Reader | undefined =>
    member?.fn && { file, direction, fn: member.fn, builder: parameterName(member.fn) ?? 'pgm' };
  const upReader = readerOf(up, 'up');
  const downReader = readerOf(down, 'down');
  const operations: Operation[] = [];
  let transactional = true;
  for (const reader of [upReader, downReader]) {
    if (!reader) continue;
    const found = await operationsOf(reader);
    operations.push(...found.operations);
    transactional &&= found.transactional;
  }
  return {
    file,
    framework: 'node-pg-migrate',
    up: up && locationOf(up.declaration, file),
    down: downModel(file, upReader, down, major),
    transactional,
    operations,
    directives,
  };
}

/** Where a `-- Up Migration` / `-- Down Migration` marker starts, as node-pg-migrate finds it. */
function markerAt(source: string, direction: Direction): number {
  return source.search(new RegExp(`^\\s*--[\\s-]*${direction}\\s+migration`, 'im'));
}

function positionAt(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** The static model of a node-pg-migrate `.sql` migration (up and down sections split by marker comments). */
export async function analyseNodePgMigrateSqlFile(source: string, file: string): Promise<MigrationModel> {
  const { analyseSql } = await import('../../sql/index.js');
  const directives = parseDirectives(source, file, 'sql');
  const upStart = markerAt(source, 'up');
  const downStart = markerAt(source, 'down');
  // The same slicing as node-pg-migrate's sqlMigration.getActions.
  const upFrom = upStart >= 0 ? upStart : 0;
  const upTo = upStart >= 0 && downStart > upStart ? downStart : source.length;
  const downTo = upStart > downStart ? upStart : source.length;
  const operations: Operation[] = [];
  let transactional = true;
  let parseError: MigrationModel['parseError'];
  const sections: [Direction, number, number][] = [['up', upFrom, upTo]];
  if (downStart >= 0) sections.push(['down', downStart, downTo]);
  for (const [direction, from, to] of sections) {
    const start = positionAt(source, from);
    const analysis = await analyseSql(source.slice(from, to), { file, direction, baseLine: start.line, baseColumn: start.column });
    operations.push(...analysis.operations);
    transactional &&= analysis.transactional;
    parseError ??= analysis.parseError && { message: analysis.parseError.message, loc: analysis.parseError.loc };
  }
  const top: SourceLocation = { file, line: 1, column: 1 };
  const downText = downStart >= 0 ? source.slice(downStart, downTo) : '';
  const down: DownModel =
    downStart < 0
      ? { status: 'disabled', empty: false, loc: top }
      : {
          status: 'present',
          empty: downText.replace(/^\s*--.*$/gm, '').trim() === '',
          loc: { file, ...positionAt(source, downStart + downText.length - downText.trimStart().length) },
        };
  return {
    file,
    framework: 'node-pg-migrate',
    up: { file, ...positionAt(source, upFrom) },
    down,
    transactional,
    operations,
    directives,
    ...(parseError ? { parseError } : {}),
  };
}
