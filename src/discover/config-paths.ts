// Paths as framework configs write them, read from the source text without running it:
// 'db/migrations', path.join(__dirname, 'migrations'), `${__dirname}/migrations/*.ts`,
// __dirname + '/migrations', fileURLToPath(new URL('./migrations', import.meta.url)).
import { resolve } from 'node:path';

export interface PathBases {
  /** The folder of the config file (`__dirname`, `import.meta.url`). */
  fileDir: string;
  /** What a bare relative path is relative to: the config's folder (knex's CLI) or the package (process.cwd()). */
  relativeTo: string;
  /** process.cwd() when the framework's CLI runs: the package holding the config. */
  cwd: string;
}

/** The absolute path an expression names, or undefined when it computes one from something else (an env var). */
export function pathOf(expression: string, bases: PathBases): string | undefined {
  let text = expression.trim().replace(/\s+as\s+\w+$/, '');
  let base = bases.relativeTo;
  if (/__dirname|import\.meta\.(?:dirname|url)/.test(text)) base = bases.fileDir;
  else if (/process\.cwd\(\)/.test(text)) base = bases.cwd;
  // The file's own folder in its many spellings is the base, not a segment.
  text = text
    // dirname(fileURLToPath(import.meta.url)): the ESM spelling of __dirname.
    .replace(/(?:path\.)?dirname\(\s*(?:url\.)?fileURLToPath\(\s*import\.meta\.url\s*\)\s*\)/g, '')
    .replace(/\$\{\s*(?:__dirname|import\.meta\.dirname|process\.cwd\(\))\s*\}/g, '')
    .replace(/\b(?:__dirname|import\.meta\.dirname|import\.meta\.url)\b|\bprocess\.cwd\(\)/g, '');
  if (/\$\{/.test(text)) return undefined;
  const literals = [...text.matchAll(/(['"`])((?:(?!\1)[^\\]|\\.)*)\1/g)].map((match) => match[2]);
  if (literals.length === 0) return undefined;
  // Anything else that names a value (process.env.X, a variable) makes the path unknowable statically.
  const rest = text
    .replace(/(['"`])((?:(?!\1)[^\\]|\\.)*)\1/g, '')
    .replace(/\b(?:path\.)?(?:join|resolve)\b|\bfileURLToPath\b|\bnew\s+URL\b|[()+,\s]/g, '');
  if (rest !== '') return undefined;
  return resolve(base, ...literals.map((segment) => segment.replace(/^\/(?!\/)/, './')));
}

/** An identifier's value when the file assigns it once (`const MIGRATIONS_DIR = path.join(__dirname, 'migrations')`). */
export function constantValue(source: string, expression: string): string {
  const name = expression.trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return expression;
  const assigned = new RegExp(`\\b(?:const|let|var)\\s+${name.replace(/\$/g, '\\$')}\\s*(?::[^=]+)?=\\s*([^;\\n]+)`).exec(source);
  return assigned ? assigned[1].trim() : expression;
}

/** The elements of an array literal's text (`[a, 'b', c(d, e)]` -> `a`, `'b'`, `c(d, e)`), split at top-level commas. */
export function arrayElements(text: string): string[] {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i];
    if (quote) {
      if (char === '\\') current += char + inner[++i];
      else {
        if (char === quote) quote = undefined;
        current += char;
      }
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    if ('([{'.includes(char)) depth++;
    if (')]}'.includes(char)) depth--;
    if (char === ',' && depth === 0) {
      if (current.trim()) parts.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** The text of the bracketed value that starts at `open` (`[`, `{` or `(`), strings and nesting respected. */
export function bracketed(source: string, open: number): string | undefined {
  const pairs: Record<string, string> = { '[': ']', '{': '}', '(': ')' };
  const closing = pairs[source[open]];
  if (!closing) return undefined;
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < source.length; i++) {
    const char = source[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '/' && source[i + 1] === '/') i = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
    else if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char) && --depth === 0) return source.slice(open, i + 1);
  }
  return undefined;
}

/** Every value of `key:` in the source (an object literal's property), up to the end of its expression. */
export function propertyValues(source: string, key: string): string[] {
  const values: string[] = [];
  const pattern = new RegExp(`(?:^|[\\s{,])['"]?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*:\\s*`, 'g');
  for (const match of source.matchAll(pattern)) {
    const start = match.index! + match[0].length;
    if ('[{'.includes(source[start])) {
      const value = bracketed(source, start);
      if (value) values.push(value);
      continue;
    }
    // An expression ends at a comma, a closing brace or a line end outside brackets.
    let depth = 0;
    let quote: string | undefined;
    let end = start;
    for (; end < source.length; end++) {
      const char = source[end];
      if (quote) {
        if (char === '\\') end++;
        else if (char === quote) quote = undefined;
        continue;
      }
      if (char === '"' || char === "'" || char === '`') quote = char;
      else if ('([{'.includes(char)) depth++;
      else if (')]}'.includes(char)) {
        if (depth === 0) break;
        depth--;
      } else if ((char === ',' || char === '\n' || char === ';') && depth === 0) break;
    }
    values.push(source.slice(start, end).trim());
  }
  return values;
}

/** Splits a path that may hold a glob into its literal folder and whether the glob descends (`**`). */
export function globFolder(path: string): { dir: string; pattern?: string; recursive: boolean } {
  const segments = path.split('/');
  const firstGlob = segments.findIndex((segment) => /[*?{[]/.test(segment));
  if (firstGlob === -1) {
    // A path to files (`migrations/*.ts` has a glob; `migrations/index.ts` names a file): its folder.
    return /\.[cm]?[jt]s$/.test(path) ? { dir: segments.slice(0, -1).join('/'), recursive: false } : { dir: path, recursive: false };
  }
  const dirSegments = segments.slice(0, -1);
  const recursive = segments.includes('**');
  const literal = segments.slice(0, firstGlob).join('/') || '/';
  // A trailing `**` is the recursion, not a folder pattern.
  const folderPattern = dirSegments.slice(firstGlob).join('/').replace(/(?:^|\/)\*\*$/, '');
  return folderPattern ? { dir: literal, pattern: folderPattern, recursive } : { dir: literal, recursive };
}
