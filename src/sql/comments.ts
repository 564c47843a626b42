// Finds SQL comments the way the Postgres scanner does, so text inside strings is never mistaken for one.

export interface SqlComment {
  /** String index of the first character (`-` or `/`). */
  start: number;
  /** String index just past the comment (a line comment stops before its newline). */
  end: number;
  /** The comment's content without its `--` or `/* *\/` markers. */
  body: string;
  block: boolean;
}

const identifierChar = /[A-Za-z0-9_$\u0080-\uffff]/;
const dollarTag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Every `--` and `/* *\/` comment in `sql`, skipping quoted strings, identifiers and dollar quotes. */
export function findSqlComments(sql: string): SqlComment[] {
  const comments: SqlComment[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const newline = sql.indexOf('\n', i);
      const end = newline === -1 ? sql.length : newline;
      comments.push({ start: i, end, body: sql.slice(i + 2, end).replace(/\r$/, ''), block: false });
      i = end;
    } else if (ch === '/' && next === '*') {
      const end = blockCommentEnd(sql, i);
      comments.push({ start: i, end, body: sql.slice(i + 2, sql.endsWith('*/', end) ? end - 2 : end), block: true });
      i = end;
    } else if (ch === "'") {
      const escapes = (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !identifierChar.test(sql[i - 2] ?? ' ');
      i = quotedEnd(sql, i, "'", escapes);
    } else if (ch === '"') {
      i = quotedEnd(sql, i, '"', false);
    } else if (ch === '$' && !identifierChar.test(sql[i - 1] ?? ' ')) {
      const tag = dollarTag.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? sql.length : close + tag[0].length;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  return comments;
}

// Postgres block comments nest.
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

// A doubled quote is an escaped quote; in E'' strings a backslash escapes too.
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** Moves `start` forward past whitespace and comments, and `end` back, within [start, end). */
export function trimTrivia(sql: string, start: number, end: number, comments: SqlComment[]): [number, number] {
  const commentStartingAt = new Map(comments.map((c) => [c.start, c]));
  const commentEndingAt = new Map(comments.map((c) => [c.end, c]));
  let s = start;
  let e = end;
  for (;;) {
    while (s < e && /\s/.test(sql[s])) s++;
    const comment = commentStartingAt.get(s);
    if (!comment || s >= e) break;
    s = comment.end;
  }
  for (;;) {
    while (e > s && /\s/.test(sql[e - 1])) e--;
    const comment = commentEndingAt.get(e);
    if (!comment || comment.start < s || e <= s) break;
    e = comment.start;
  }
  return [s, Math.max(s, e)];
}
