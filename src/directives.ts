// `rollsafe-disable…` comments, read ESLint's way. Rule names are checked by the judge, not here.
import { findSqlComments } from './sql/comments.js';
import { LineIndex } from './sql/positions.js';
import type { Directive } from './types.js';

export type CommentSyntax = 'js' | 'sql' | 'python';

interface Comment {
  start: number;
  end: number;
  body: string;
}

const directivePattern = /^rollsafe-(disable-next-line|disable-line|disable)(?=\s|$)([\s\S]*)$/;

/** Every disable directive written as a real comment of `source` (never text inside a string). */
export function parseDirectives(source: string, file: string, syntax: CommentSyntax): Directive[] {
  const comments = syntax === 'sql' ? findSqlComments(source) : syntax === 'python' ? findPythonComments(source) : findJsComments(source);
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

// Enough of a JavaScript tokenizer to tell comments from strings, template literals and regexes.
function findJsComments(source: string): Comment[] {
  const comments: Comment[] = [];
  // Each open template literal waits for its `${` expression to close at this brace depth.
  const templateDepths: number[] = [];
  let braceDepth = 0;
  let regexAllowed = true;
  let i = 0;
  const scanTemplate = (from: number): number => {
    let j = from;
    while (j < source.length) {
      if (source[j] === '\\') j += 2;
      else if (source[j] === '`') return j + 1;
      else if (source[j] === '$' && source[j + 1] === '{') {
        templateDepths.push(braceDepth);
        braceDepth++;
        return j + 2;
      } else j++;
    }
    return j;
  };
  while (i < source.length) {
    const ch = source[i];
    const next = source[i + 1];
    if (ch === '/' && next === '/') {
      const newline = source.indexOf('\n', i);
      const end = newline === -1 ? source.length : newline;
      comments.push({ start: i, end, body: source.slice(i + 2, end) });
      i = end;
    } else if (ch === '/' && next === '*') {
      const close = source.indexOf('*/', i + 2);
      const end = close === -1 ? source.length : close + 2;
      comments.push({ start: i, end, body: source.slice(i + 2, close === -1 ? end : close) });
      i = end;
    } else if (ch === '"' || ch === "'") {
      i = quotedEnd(source, i, ch);
      regexAllowed = false;
    } else if (ch === '`') {
      i = scanTemplate(i + 1);
      regexAllowed = false;
    } else if (ch === '/' && regexAllowed) {
      i = regexEnd(source, i);
      regexAllowed = false;
    } else if (ch === '{') {
      braceDepth++;
      regexAllowed = true;
      i++;
    } else if (ch === '}') {
      braceDepth--;
      if (templateDepths.length && templateDepths[templateDepths.length - 1] === braceDepth) {
        templateDepths.pop();
        i = scanTemplate(i + 1);
        regexAllowed = false;
      } else {
        regexAllowed = true;
        i++;
      }
    } else if (/[A-Za-z0-9_$)\]]/.test(ch)) {
      const word = /^[A-Za-z0-9_$]+/.exec(source.slice(i, i + 64))?.[0] ?? ch;
      // After a value a slash divides; after a keyword like `return` it starts a regex.
      regexAllowed = /^(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(word);
      i += word.length;
    } else {
      if (!/\s/.test(ch)) regexAllowed = true;
      i++;
    }
  }
  return comments;
}

function quotedEnd(source: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < source.length && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

function regexEnd(source: string, start: number): number {
  let i = start + 1;
  let inClass = false;
  while (i < source.length && source[i] !== '\n') {
    if (source[i] === '\\') i++;
    else if (source[i] === '[') inClass = true;
    else if (source[i] === ']') inClass = false;
    else if (source[i] === '/' && !inClass) return i + 1;
    i++;
  }
  return i;
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
