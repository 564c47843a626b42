// `rollsafe-disable…` comments, read ESLint's way. Rule names are checked by the judge, not here.
import { findSqlComments } from './sql/comments.js';
import { LineIndex } from './sql/positions.js';
import type * as TsMorph from 'ts-morph';
import type { ts } from 'ts-morph';
import { requireWithCodeCache } from './load/code-cache.js';
import type { Directive } from './types.js';

export type CommentSyntax = 'js' | 'sql' | 'python';

export interface Comment {
  start: number;
  end: number;
  body: string;
}

const directivePattern = /^rollsafe-(disable-next-line|disable-line|disable)(?=\s|$)([\s\S]*)$/;

/** Every disable directive written as a real comment of `source` (never text inside a string). */
export function parseDirectives(source: string, file: string, syntax: CommentSyntax): Directive[] {
  const comments = syntax === 'sql' ? findSqlComments(source) : syntax === 'python' ? findPythonComments(source) : findJsComments(source, file);
  return directivesIn(source, file, comments);
}

/** The directives among `comments`, already found in `source` by its language's own reader. */
export function directivesIn(source: string, file: string, comments: Comment[]): Directive[] {
  const lines = new LineIndex(source);
  const directives: Directive[] = [];
  for (const comment of comments) {
    const match = directivePattern.exec(comment.body.trim());
    if (!match) continue;
    const [, keyword, rest] = match;
    // ESLint's separator: the reason follows two or more dashes with whitespace on both sides.
    const separator = /\s-{2,}(?:\s|$)/.exec(rest);
    const ruleList = separator ? rest.slice(0, separator.index) : rest;
    const reason = separator ? rest.slice(separator.index + separator[0].length).trim() || undefined : undefined;
    const rules = ruleList
      .split(',')
      .map((rule) => rule.trim())
      .filter(Boolean);
    const { line, column } = lines.position(comment.start);
    const endLine = lines.position(Math.max(comment.start, comment.end - 1)).line;
    const kind = keyword === 'disable' ? 'disable-file' : (keyword as 'disable-next-line' | 'disable-line');
    const directive: Directive = { kind, rules, reason, loc: { file, line, column } };
    if (kind === 'disable-line') directive.appliesToLine = line;
    if (kind === 'disable-next-line') directive.appliesToLine = endLine + 1;
    directives.push(directive);
  }
  return directives;
}

// JS/TS comments as TypeScript's parser sees them: every comment is trivia before some token
// (or of the end of the file), so walking the tokens of the parsed tree finds each one exactly once,
// and a slash is a regex, a division or a comment by the parser's judgement, not a guess.
function findJsComments(source: string, file: string): Comment[] {
  const ts = typescriptCompiler();
  const extension = /\.[^./\\]+$/.exec(file)?.[0] ?? '.js';
  const scriptKind = /^\.[cm]?ts$/.test(extension) ? ts.ScriptKind.TS : /x$/.test(extension) ? ts.ScriptKind.TSX : ts.ScriptKind.JS;
  const tree = ts.createSourceFile(`/directives${extension}`, source, ts.ScriptTarget.Latest, false, scriptKind);
  return commentsOfTree(tree);
}

/** Every comment of a parsed JS/TS file (TypeScript's comment ranges over each token's leading trivia). */
export function commentsOfTree(tree: ts.SourceFile): Comment[] {
  const ts = typescriptCompiler();
  const text = tree.text;
  const seen = new Set<number>();
  const comments: Comment[] = [];
  const collect = (pos: number) => {
    // Trailing ranges are the same-line comments after the previous token; leading ones the rest.
    for (const range of [...(ts.getTrailingCommentRanges(text, pos) ?? []), ...(ts.getLeadingCommentRanges(text, pos) ?? [])]) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      const block = range.kind === ts.SyntaxKind.MultiLineCommentTrivia;
      comments.push({ start: range.pos, end: range.end, body: text.slice(range.pos + 2, block ? range.end - 2 : range.end).replace(/\r$/, '') });
    }
  };
  const visit = (node: ts.Node) => {
    const children = node.getChildren(tree);
    if (children.length === 0) collect(node.pos);
    // A template's literal parts hold no trivia; their `${` expressions are visited as nodes.
    else for (const child of children) visit(child);
  };
  collect(0);
  visit(tree);
  return comments.sort((a, b) => a.start - b.start);
}

let compiler: typeof ts | undefined;

/** TypeScript, loaded on the first JS/TS file only: SQL and Python projects never pay for it. */
function typescriptCompiler(): typeof ts {
  compiler ??= requireWithCodeCache<typeof TsMorph>('ts-morph', import.meta.url).ts;
  return compiler;
}

// Python: `#` comments, skipping '…', "…" and triple-quoted strings (a backslash never ends one, even raw).
function findPythonComments(source: string): Comment[] {
  const comments: Comment[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '#') {
      const newline = source.indexOf('\n', i);
      const end = newline === -1 ? source.length : newline;
      comments.push({ start: i, end, body: source.slice(i + 1, end).replace(/\r$/, '') });
      i = end;
    } else if (ch === '"' || ch === "'") {
      const triple = source.startsWith(ch.repeat(3), i);
      const close = triple ? ch.repeat(3) : ch;
      let j = i + close.length;
      while (j < source.length && !source.startsWith(close, j) && (triple || source[j] !== '\n')) {
        j += source[j] === '\\' ? 2 : 1;
      }
      i = j + close.length;
    } else {
      i++;
    }
  }
  return comments;
}
