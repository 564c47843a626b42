// Shared ts-morph reading of TS/JS migrations: parse without type checking, find the exported
// up/down, place nodes in the file, and tell which existence checks a node runs under.
import type { CallExpression, Expression, SourceFile, ts } from 'ts-morph';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Node, Project, SyntaxKind, typescript } from './ts-morph.js';
import { commentsOfTree, directivesIn } from '../directives.js';
import type { Directive, DownModel, FrameworkName, MigrationModel, SourceLocation } from '../types.js';

let project: Project | undefined;

/** One in-memory project for every file: no disk access, no lib files, no type checking. */
function sharedProject(): Project {
  project ??= new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true, noLib: true, noResolve: true, target: typescript.ScriptTarget.ES2022 },
  });
  return project;
}

const scriptKinds: Record<string, ts.ScriptKind> = {
  '.ts': typescript.ScriptKind.TS,
  '.cts': typescript.ScriptKind.TS,
  '.mts': typescript.ScriptKind.TS,
  '.tsx': typescript.ScriptKind.TSX,
  '.jsx': typescript.ScriptKind.JSX,
};

// Where each parsed file really is, to read the project's own modules it imports helpers from.
const realPaths = new WeakMap<SourceFile, string>();

/** Parses `source` as the file at `path` would be parsed (TS for .ts/.cts/.mts, JS otherwise). */
export function parseSource(path: string, source: string, as = 'migration'): SourceFile {
  const extension = /\.[^./\\]+$/.exec(path)?.[0] ?? '.js';
  const scriptKind = scriptKinds[extension] ?? typescript.ScriptKind.JS;
  // A fixed in-memory name per extension: files are parsed one at a time and never resolved.
  const sourceFile = sharedProject().createSourceFile(`/${as}${extension}`, source, { overwrite: true, scriptKind });
  realPaths.set(sourceFile, path);
  return sourceFile;
}

/** The first syntax error of a parsed file, at its 1-based position; undefined when it parses. */
export function syntaxError(sourceFile: SourceFile, file: string): { message: string; loc: SourceLocation } | undefined {
  // parseDiagnostics holds the parser's errors only: no program, no binding, no type checking.
  const diagnostics = (sourceFile.compilerNode as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] })
    .parseDiagnostics;
  const first = diagnostics?.[0];
  if (!first) return undefined;
  const { line, column } = sourceFile.getLineAndColumnAtPos(first.start);
  return { message: typescript.flattenDiagnosticMessageText(first.messageText, '\n'), loc: { file, line, column } };
}

/** Where `node` starts (past leading comments), 1-based. */
export function locationOf(node: Node, file: string): SourceLocation {
  const { line, column } = node.getSourceFile().getLineAndColumnAtPos(node.getStart());
  return { file, line, column };
}

/** Up before down, then in source order: chained builder calls are found outermost first. */
export function byPosition(a: { direction: string; loc: SourceLocation }, b: { direction: string; loc: SourceLocation }): number {
  return (a.direction === b.direction ? 0 : a.direction === 'up' ? -1 : 1) || a.loc.line - b.loc.line || a.loc.column - b.loc.column;
}

export type FunctionNode =
  | import('ts-morph').FunctionDeclaration
  | import('ts-morph').FunctionExpression
  | import('ts-morph').ArrowFunction
  | import('ts-morph').MethodDeclaration;

export function isFunctionNode(node: Node | undefined): node is FunctionNode {
  return (
    !!node &&
    (Node.isFunctionDeclaration(node) ||
      Node.isFunctionExpression(node) ||
      Node.isArrowFunction(node) ||
      Node.isMethodDeclaration(node))
  );
}

/** An exported member of a migration (`up`, `down`, `config`…), however the module writes it. */
export interface ExportedMember {
  name: string;
  /** The statement or property that exports it: where a finding about it points. */
  declaration: Node;
  /** The function, when the member is one (followed through local names). */
  fn?: FunctionNode;
  /** The exported value when it is not a function (`false`, `{ transaction: false }`). */
  value?: Expression;
}

/** Strips parentheses, `as`, `satisfies` and `!` that do not change what a value is. */
export function unwrap(node: Node): Node {
  let current = node;
  for (;;) {
    if (
      Node.isParenthesizedExpression(current) ||
      Node.isAsExpression(current) ||
      Node.isSatisfiesExpression(current) ||
      Node.isNonNullExpression(current) ||
      Node.isTypeAssertion(current)
    ) {
      current = current.getExpression();
    } else {
      return current;
    }
  }
}

/** Follows an identifier to the value of the module-level or local const/function it names. */
export function resolveValue(node: Node, depth = 0): Node {
  const value = unwrap(node);
  if (!Node.isIdentifier(value) || depth > 5) return value;
  const name = value.getText();
  for (let scope: Node | undefined = value.getParent(); scope; scope = scope.getParent()) {
    if (!Node.isSourceFile(scope) && !Node.isBlock(scope) && !Node.isModuleBlock(scope)) continue;
    for (const statement of scope.getStatements()) {
      if (Node.isFunctionDeclaration(statement) && statement.getName() === name) return statement;
      if (Node.isVariableStatement(statement)) {
        for (const declaration of statement.getDeclarations()) {
          const initializer = declaration.getInitializer();
          if (declaration.getName() === name && initializer) return resolveValue(initializer, depth + 1);
        }
      }
    }
  }
  return value;
}

function member(name: string, declaration: Node, valueNode: Node): ExportedMember {
  const value = resolveValue(valueNode);
  if (isFunctionNode(value)) return { name, declaration, fn: value };
  return { name, declaration, value: value as Expression };
}

/** `exports.x`, `module.exports.x` → `x`. */
function commonJsExportName(target: Node): string | undefined {
  if (!Node.isPropertyAccessExpression(target)) return undefined;
  const object = target.getExpression().getText().replace(/\s+/g, '');
  return object === 'exports' || object === 'module.exports' ? target.getName() : undefined;
}

function membersOfObject(object: Node, wanted: Set<string>, found: Map<string, ExportedMember>): void {
  const literal = unwrap(resolveValue(object));
  if (!Node.isObjectLiteralExpression(literal)) return;
  for (const property of literal.getProperties()) {
    const name = Node.isPropertyNamed(property) || Node.isShorthandPropertyAssignment(property) ? property.getName() : '';
    if (!wanted.has(name) || found.has(name)) continue;
    if (Node.isMethodDeclaration(property)) found.set(name, { name, declaration: property, fn: property });
    else if (Node.isPropertyAssignment(property)) found.set(name, member(name, property, property.getInitializerOrThrow()));
    else if (Node.isShorthandPropertyAssignment(property)) found.set(name, member(name, property, property.getNameNode()));
  }
}

/**
 * The module's exports named in `names`, from every way migrations write them: ESM
 * (`export async function up`, `export const up = …`, `export { up }`, `export default { up }`) and
 * CommonJS (`exports.up = …`, `module.exports = { up, down }`, `module.exports.up = …`).
 */
export function findExports(sourceFile: SourceFile, names: readonly string[]): Map<string, ExportedMember> {
  const wanted = new Set(names);
  const found = new Map<string, ExportedMember>();
  for (const statement of sourceFile.getStatements()) {
    if (Node.isFunctionDeclaration(statement) && statement.isExported()) {
      const name = statement.getName() ?? '';
      if (wanted.has(name) && !found.has(name)) found.set(name, { name, declaration: statement, fn: statement });
    } else if (Node.isVariableStatement(statement) && statement.isExported()) {
      for (const declaration of statement.getDeclarations()) {
        const name = declaration.getName();
        const initializer = declaration.getInitializer();
        if (wanted.has(name) && initializer && !found.has(name)) found.set(name, member(name, statement, initializer));
      }
    } else if (Node.isExportDeclaration(statement) && !statement.getModuleSpecifier()) {
      for (const specifier of statement.getNamedExports()) {
        const name = specifier.getAliasNode()?.getText() ?? specifier.getName();
        if (wanted.has(name) && !found.has(name)) found.set(name, member(name, statement, specifier.getNameNode()));
      }
    } else if (Node.isExportAssignment(statement)) {
      membersOfObject(statement.getExpression(), wanted, found);
    } else if (Node.isExpressionStatement(statement)) {
      const expression = unwrap(statement.getExpression());
      if (!Node.isBinaryExpression(expression) || expression.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) continue;
      const left = expression.getLeft();
      const name = commonJsExportName(left);
      if (name !== undefined && wanted.has(name) && !found.has(name)) {
        found.set(name, member(name, statement, expression.getRight()));
      } else if (left.getText().replace(/\s+/g, '') === 'module.exports') {
        membersOfObject(expression.getRight(), wanted, found);
      }
    }
  }
  return found;
}

/** Methods named in `names` of the module's classes (TypeORM, MikroORM migrations are classes). */
export function findClassMethods(sourceFile: SourceFile, names: readonly string[]): Map<string, ExportedMember> {
  const found = new Map<string, ExportedMember>();
  for (const declaration of sourceFile.getClasses()) {
    for (const method of declaration.getMethods()) {
      const name = method.getName();
      if (names.includes(name) && !found.has(name)) found.set(name, { name, declaration: method, fn: method });
    }
  }
  return found;
}

/** The name of a function's nth parameter, when it is a plain identifier. */
export function parameterName(fn: FunctionNode, index = 0): string | undefined {
  const nameNode = fn.getParameters()[index]?.getNameNode();
  return nameNode && Node.isIdentifier(nameNode) ? nameNode.getText() : undefined;
}

/** The function (exported up/down or a callback) `node` sits in, nearest first. */
export function enclosingFunction(node: Node): FunctionNode | undefined {
  return node.getFirstAncestor((ancestor) => isFunctionNode(ancestor)) as FunctionNode | undefined;
}

function isNothingExpression(node: Node): boolean {
  const value = unwrap(node);
  if (Node.isAwaitExpression(value)) return isNothingExpression(value.getExpression());
  const text = value.getText().replace(/\s+/g, '');
  return (
    text === 'undefined' ||
    text === 'null' ||
    text === 'Promise.resolve()' ||
    text === 'Promise.resolve(undefined)' ||
    text === 'Promise.resolve(null)' ||
    text === 'void0'
  );
}

/** The function does nothing: no statements, comments only, a bare `return` or `return Promise.resolve()`. */
export function isEmptyFunction(fn: FunctionNode): boolean {
  const body = fn.getBody();
  if (!body) return true;
  if (!Node.isBlock(body)) return isNothingExpression(body);
  return body.getStatements().every((statement) => {
    if (Node.isEmptyStatement(statement)) return true;
    if (Node.isReturnStatement(statement)) {
      const returned = statement.getExpression();
      return !returned || isNothingExpression(returned);
    }
    if (Node.isExpressionStatement(statement)) return isNothingExpression(statement.getExpression());
    return false;
  });
}

/** The string a literal (or a const naming one, or `'a' + 'b'`) holds, with where its text starts. */
export interface StringValue {
  text: string;
  /** The first character of the text (past the opening quote), 1-based. */
  line: number;
  column: number;
  /** Each placeholder identifier in `text` and the `${…}` it stands for, to print names as the user wrote them. */
  placeholders?: Record<string, string>;
}

/**
 * Stands in for a `${…}` of a template that names no constant: an identifier as long as the code
 * it replaces (so later columns stay put), distinct per substitution so it can be printed back.
 */
function placeholderFor(code: string, index: number): string {
  const id = `x${index.toString(36)}`;
  const length = code.replace(/\n/g, '').length;
  return length >= id.length ? id.padEnd(length, '_') : id;
}

/** The string a `${name}` substitution holds when `name` is a constant in scope (`const tableName = 'apikey'`). */
function constantOf(substitution: Node): string | undefined {
  const value = unwrap(resolveValue(substitution));
  if (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) return value.getLiteralText();
  if (Node.isNumericLiteral(value)) return value.getText();
  return undefined;
}

/** Writes `${…}` placeholders back as the user wrote them (`x1__________` → `${tableName}`). */
export function withPlaceholdersShown(text: string, placeholders: Record<string, string> | undefined): string {
  if (!placeholders) return text;
  let shown = text;
  for (const [placeholder, original] of Object.entries(placeholders)) shown = shown.split(placeholder).join(original);
  return shown;
}

/**
 * The SQL text of a string argument: string literals, templates (each `${…}` replaced by an
 * identifier placeholder) and `+` concatenations of them; undefined when it is computed.
 */
export function stringValue(node: Node): StringValue | undefined {
  const value = unwrap(resolveValue(node));
  const sourceFile = value.getSourceFile();
  const startOf = (literal: Node): { line: number; column: number } =>
    sourceFile.getLineAndColumnAtPos(literal.getStart() + 1);
  if (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) {
    return { text: value.getLiteralText(), ...startOf(value) };
  }
  if (Node.isTemplateExpression(value)) {
    // Raw source text between the backticks keeps every line where the user wrote it; a constant's
    // value stands in for its `${name}`, a placeholder for anything computed.
    const placeholders: Record<string, string> = {};
    let text = value.getHead().getText().slice(1, -2);
    value.getTemplateSpans().forEach((span, index) => {
      const code = `\${${span.getExpression().getText()}}`;
      const constant = constantOf(span.getExpression());
      if (constant !== undefined) {
        text += constant;
      } else {
        const placeholder = placeholderFor(code, index);
        placeholders[placeholder] = code;
        text += placeholder;
      }
      const literal = span.getLiteral().getText();
      text += Node.isTemplateTail(span.getLiteral()) ? literal.slice(1, -1) : literal.slice(1, -2);
    });
    return { text, ...startOf(value), ...(Object.keys(placeholders).length ? { placeholders } : {}) };
  }
  if (Node.isBinaryExpression(value) && value.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
    const left = stringValue(value.getLeft());
    const right = stringValue(value.getRight());
    if (!left || !right) return undefined;
    const placeholders = left.placeholders || right.placeholders ? { ...left.placeholders, ...right.placeholders } : undefined;
    return { ...left, text: left.text + right.text, ...(placeholders ? { placeholders } : {}) };
  }
  return undefined;
}

/** The string a literal argument holds (`'users'`), for targets and check arguments. */
export function literalString(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const value = unwrap(resolveValue(node));
  if (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) return value.getLiteralText();
  return undefined;
}

/** A framework's existence check found in code, e.g. `hasTable('users')` → `{ kind: 'hasTable', args: ['users'] }`. */
export interface ExistenceCheck {
  kind: string;
  args: (string | undefined)[];
}

/** Reads a call as one of the framework's existence checks, or says it is none. */
export type CheckReader = (call: CallExpression) => ExistenceCheck | undefined;

/** An existence check `node` runs under, and the answer it must have given for `node` to run. */
export interface GuardCondition {
  check: ExistenceCheck;
  exists: boolean;
}

/** The check a condition expression tests and whether it is true when the thing exists. */
function readCondition(expression: Node, readCheck: CheckReader): GuardCondition[] {
  const node = unwrap(expression);
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.ExclamationToken) {
    return readCondition(node.getOperand(), readCheck).map((c) => ({ ...c, exists: !c.exists }));
  }
  if (Node.isAwaitExpression(node)) return readCondition(node.getExpression(), readCheck);
  if (Node.isBinaryExpression(node)) {
    const operator = node.getOperatorToken().getKind();
    if (operator === SyntaxKind.AmpersandAmpersandToken) {
      return [...readCondition(node.getLeft(), readCheck), ...readCondition(node.getRight(), readCheck)];
    }
    const equality = [SyntaxKind.EqualsEqualsEqualsToken, SyntaxKind.EqualsEqualsToken].includes(operator);
    const inequality = [SyntaxKind.ExclamationEqualsEqualsToken, SyntaxKind.ExclamationEqualsToken].includes(operator);
    if (!equality && !inequality) return [];
    const [left, right] = [node.getLeft(), node.getRight()];
    const literal = [left, right].find((side) => ['true', 'false'].includes(side.getText()));
    const other = literal === left ? right : left;
    if (!literal) return [];
    const flip = (literal.getText() === 'false') !== inequality;
    return readCondition(other, readCheck).map((c) => ({ ...c, exists: flip ? !c.exists : c.exists }));
  }
  if (Node.isCallExpression(node)) {
    const check = readCheck(node) ?? helperCheck(node, readCheck);
    return check ? [{ check, exists: true }] : [];
  }
  if (Node.isIdentifier(node)) return readIdentifierCondition(node, readCheck);
  return [];
}

// ---------------------------------------------------------------- the project's own guard helpers

const catalogQuery = /\binformation_schema\b|\bpg_(?:catalog|class|namespace|indexes|constraint|type|attribute|tables|views|matviews|proc|extension|trigger)\b|\bto_regclass\b|\bto_regtype\b/i;
const checkNames = /^(?:has(?:Table|Column|Schema|Index|Constraint|View)|tableExists|columnExists|schemaExists|indexExists|describeTable|getTable|hasTableColumn)$/;

/**
 * A call to a helper of the project (a local function, a method of the migration class, or one
 * imported from a relative module) whose body is an existence check: it calls the framework's
 * `hasTable`/`hasColumn`, another such helper, or queries the catalog. Its string arguments (the
 * table, the column) are the check's; the runner it is handed is not.
 */
function helperCheck(call: CallExpression, readCheck: CheckReader): ExistenceCheck | undefined {
  const callee = unwrap(call.getExpression());
  const name = Node.isIdentifier(callee) ? callee.getText() : Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
  if (!name) return undefined;
  const fn = helperFunction(callee);
  if (!fn || !isExistenceCheck(fn, readCheck, 0)) return undefined;
  const args = call
    .getArguments()
    .filter((argument) => !isParameterOfEnclosing(argument))
    .map((argument) => literalString(argument));
  return { kind: checkKindOf(name, fn), args };
}

function helperFunction(callee: Node): FunctionNode | undefined {
  if (Node.isPropertyAccessExpression(callee)) {
    // `this.hasColumn(…)`: a method of the migration class.
    if (callee.getExpression().getKind() !== SyntaxKind.ThisKeyword) return undefined;
    const method = callee.getFirstAncestorByKind(SyntaxKind.ClassDeclaration)?.getMember(callee.getName());
    if (method && isFunctionNode(method)) return method;
    if (method && Node.isPropertyDeclaration(method)) {
      const initializer = method.getInitializer();
      return initializer && isFunctionNode(unwrap(initializer)) ? (unwrap(initializer) as FunctionNode) : undefined;
    }
    return undefined;
  }
  const local = resolveValue(callee);
  if (isFunctionNode(local)) return local;
  return importedFunction(callee.getSourceFile(), callee.getText());
}

let helperFiles = 0;

/** `import { hasColumn } from '../utils/db'` (or `require`): the function that module exports, read from disk. */
function importedFunction(sourceFile: SourceFile, name: string): FunctionNode | undefined {
  const from = realPaths.get(sourceFile);
  if (!from) return undefined;
  for (const declaration of sourceFile.getImportDeclarations()) {
    const specifier = declaration.getModuleSpecifierValue();
    if (!specifier.startsWith('.')) continue;
    const named = declaration.getNamedImports().find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === name);
    const exported = named ? named.getName() : declaration.getDefaultImport()?.getText() === name ? 'default' : undefined;
    if (!exported) continue;
    const path = moduleFile(dirname(from), specifier);
    if (!path) return undefined;
    const helperSource = parseSource(path, readFileSync(path, 'utf8'), `helper-${helperFiles++ % 8}`);
    return findExports(helperSource, [exported]).get(exported)?.fn;
  }
  return undefined;
}

function moduleFile(dir: string, specifier: string): string | undefined {
  const base = join(dir, specifier);
  const stem = base.replace(/\.[cm]?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.js`, `${stem}.mjs`, `${stem}.cjs`, join(base, 'index.ts'), join(base, 'index.js')];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function isExistenceCheck(fn: FunctionNode, readCheck: CheckReader, depth: number): boolean {
  for (const call of fn.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    if (readCheck(call)) return true;
    const callee = unwrap(call.getExpression());
    const name = Node.isPropertyAccessExpression(callee) ? callee.getName() : Node.isIdentifier(callee) ? callee.getText() : '';
    if (checkNames.test(name) && Node.isPropertyAccessExpression(callee)) return true;
    if (depth < 2 && Node.isIdentifier(callee)) {
      const inner = helperFunction(callee);
      if (inner && inner !== fn && isExistenceCheck(inner, readCheck, depth + 1)) return true;
    }
  }
  const strings = [
    ...fn.getDescendantsOfKind(SyntaxKind.StringLiteral),
    ...fn.getDescendantsOfKind(SyntaxKind.NoSubstitutionTemplateLiteral),
    ...fn.getDescendantsOfKind(SyntaxKind.TemplateExpression),
  ];
  return strings.some((literal) => {
    const text = stringValue(literal)?.text ?? literal.getText();
    return catalogQuery.test(text) && /^\s*(?:select|with)\b/i.test(text);
  });
}

/** What the helper checks, from its name or what it asks: a column, an index, a constraint, a schema, else a table. */
function checkKindOf(name: string, fn: FunctionNode): string {
  const body = fn.getText();
  if (/column/i.test(name) || (!/table/i.test(name) && /hasColumn|information_schema\.columns|pg_attribute/i.test(body))) return 'hasColumn';
  if (/index/i.test(name)) return 'hasIndex';
  if (/constraint/i.test(name)) return 'hasConstraint';
  if (/schema/i.test(name)) return 'hasSchema';
  return 'hasTable';
}

/** The runner handed to a helper (`queryRunner`, `knex`): a parameter of the function the call sits in. */
function isParameterOfEnclosing(argument: Node): boolean {
  const value = unwrap(argument);
  if (Node.isThisExpression(value)) return true;
  if (!Node.isIdentifier(value)) return false;
  for (let scope: Node | undefined = value.getParent(); scope; scope = scope.getParent()) {
    if (isFunctionNode(scope) && scope.getParameters().some((p) => p.getName() === value.getText())) return true;
  }
  return false;
}

/** `const exists = await knex.schema.hasTable('x')` or `.hasTable('x').then((exists) => …)`. */
function readIdentifierCondition(identifier: Node, readCheck: CheckReader): GuardCondition[] {
  const name = identifier.getText();
  for (let scope: Node | undefined = identifier.getParent(); scope; scope = scope.getParent()) {
    if (isFunctionNode(scope)) {
      const parameterIndex = scope.getParameters().findIndex((p) => p.getName() === name);
      if (parameterIndex === 0) {
        const call = scope.getParent();
        const receiver = Node.isCallExpression(call) ? call.getExpression() : undefined;
        if (Node.isPropertyAccessExpression(receiver) && receiver.getName() === 'then') {
          const checked = unwrap(receiver.getExpression());
          const check = Node.isCallExpression(checked) ? readCheck(checked) : undefined;
          if (check) return [{ check, exists: true }];
        }
        return [];
      }
    }
    if (Node.isBlock(scope) || Node.isSourceFile(scope)) {
      for (const statement of scope.getStatements()) {
        if (!Node.isVariableStatement(statement)) continue;
        const declaration = statement.getDeclarations().find((d) => d.getName() === name);
        const initializer = declaration?.getInitializer();
        if (initializer) return readCondition(initializer, readCheck);
      }
    }
  }
  return [];
}

/** `if (cond) return;` — an early exit that lets the rest of the block run only when `cond` is false. */
function earlyExitCondition(statement: Node): Node | undefined {
  if (!Node.isIfStatement(statement) || statement.getElseStatement()) return undefined;
  const then = statement.getThenStatement();
  const only = Node.isBlock(then) ? then.getStatements() : [then];
  const exits = only.length === 1 && (Node.isReturnStatement(only[0]) || Node.isThrowStatement(only[0]));
  return exits ? statement.getExpression() : undefined;
}

/**
 * Every existence check `node` runs under, up to the exported function `boundary`: enclosing
 * `if`/`else` branches and ternaries, `.then((exists) => …)` callbacks, and earlier early returns
 * (`if (await knex.schema.hasTable('x')) return;`).
 */
export function guardConditions(node: Node, boundary: Node | undefined, readCheck: CheckReader): GuardCondition[] {
  const conditions: GuardCondition[] = [];
  let child: Node = node;
  for (let parent = node.getParent(); parent && child !== boundary; child = parent, parent = parent.getParent()) {
    if (Node.isIfStatement(parent) && child !== parent.getExpression()) {
      const inElse = child === parent.getElseStatement();
      for (const c of readCondition(parent.getExpression(), readCheck)) {
        conditions.push(inElse ? { ...c, exists: !c.exists } : c);
      }
    } else if (Node.isConditionalExpression(parent) && child !== parent.getCondition()) {
      const inElse = child === parent.getWhenFalse();
      for (const c of readCondition(parent.getCondition(), readCheck)) {
        conditions.push(inElse ? { ...c, exists: !c.exists } : c);
      }
    } else if (Node.isBinaryExpression(parent) && child === parent.getRight()) {
      // `(await hasTable('x')) || createTable('x')` runs the right side only when the left is false.
      const operator = parent.getOperatorToken().getKind();
      const conditionsOfLeft = readCondition(parent.getLeft(), readCheck);
      if (operator === SyntaxKind.AmpersandAmpersandToken) conditions.push(...conditionsOfLeft);
      if (operator === SyntaxKind.BarBarToken) conditions.push(...conditionsOfLeft.map((c) => ({ ...c, exists: !c.exists })));
    } else if (Node.isBlock(parent) || Node.isSourceFile(parent)) {
      for (const statement of parent.getStatements()) {
        if (statement === child) break;
        const exitWhen = earlyExitCondition(statement);
        if (exitWhen) conditions.push(...readCondition(exitWhen, readCheck).map((c) => ({ ...c, exists: !c.exists })));
      }
    }
  }
  return conditions;
}

/** Every call expression in `node` (itself included: an arrow's expression body), outermost first. */
export function callsIn(node: Node): CallExpression[] {
  const calls = node.getDescendantsOfKind(SyntaxKind.CallExpression);
  return Node.isCallExpression(node) ? [node, ...calls] : calls;
}

/** What the SQL reader learnt from one SQL string written in code. */
export interface EmbeddedSql {
  operations: import('../types.js').Operation[];
  transactional: boolean;
}

/**
 * Reads the SQL a string argument holds (`knex.raw(…)`, `pgm.sql(…)`), placed at its real line
 * and column in the file; undefined when the SQL is computed and cannot be read statically.
 */
export async function analyseEmbeddedSql(
  argument: Node | undefined,
  file: string,
  direction: import('../types.js').Direction,
): Promise<EmbeddedSql | undefined> {
  const sql = argument && stringValue(argument);
  if (!sql) return undefined;
  // Loaded only when a migration holds SQL: the Postgres parser is WASM.
  const { analyseSql } = await import('../sql/index.js');
  const analysis = await analyseSql(sql.text, { file, direction, baseLine: sql.line, baseColumn: sql.column });
  const show = (text: string | undefined) => (text === undefined ? undefined : withPlaceholdersShown(text, sql.placeholders));
  const operations = sql.placeholders
    ? analysis.operations.map((operation) => ({ ...operation, kind: show(operation.kind)!, target: show(operation.target), fix: show(operation.fix) }))
    : analysis.operations;
  return { operations, transactional: analysis.transactional };
}

/**
 * A JS/TS migration read for analysis: its syntax tree and directives, or, when it does not parse,
 * the model that reports the parse error alone (nothing else in it could be trusted).
 */
export function readMigrationSource(
  source: string,
  file: string,
  framework: FrameworkName,
): { sourceFile: SourceFile; directives: Directive[]; unparsable?: undefined } | { unparsable: MigrationModel } {
  const sourceFile = parseSource(file, source);
  const directives = directivesIn(source, file, commentsOfTree(sourceFile.compilerNode));
  const parseError = syntaxError(sourceFile, file);
  if (!parseError) return { sourceFile, directives };
  const loc = { file, line: 1, column: 1 };
  return { unparsable: { file, framework, down: { status: 'present', empty: false, loc }, transactional: true, operations: [], directives, parseError } };
}

/**
 * The down of a framework that calls an exported `down` function (knex, Kysely, Sequelize/umzug):
 * none exported, or anything but a function (`exports.down = null`), is no down at all.
 */
export function exportedDownModel(file: string, down: ExportedMember | undefined): DownModel {
  const top: SourceLocation = { file, line: 1, column: 1 };
  if (!down) return { status: 'missing', empty: false, loc: top };
  const loc = locationOf(down.declaration, file);
  if (!down.fn) return { status: 'missing', empty: false, loc };
  return { status: 'present', empty: isEmptyFunction(down.fn), loc };
}
