// Which statements change rows (INSERT, UPDATE, DELETE, MERGE, COPY, an ALTER … TYPE … USING that
// rewrites values), and which tables they reach: the re-run data check only looks at those.
import type { SchemaSnapshot } from '../../schema/snapshot.js';
import { statementsOf, unquote } from './index.js';

const name = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))?`;
// Anywhere in a statement, so a CTE (`WITH … INSERT`) or a DO block's body counts too.
const writeTarget = new RegExp(String.raw`\b(?:insert\s+into|update(?!\s+(?:set|of|nowait|skip)\b)|delete\s+from|merge\s+into|copy)\s+(?:only\s+)?(${name})`, 'gi');
const alterUsing = new RegExp(String.raw`^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(${name})[\s\S]*\btype\b[\s\S]*\busing\b`, 'i');

/** True when a statement (or script) can insert, delete or change rows. */
export function changesData(sql: string): boolean {
  return statementsOf(sql).some((statement) => writtenBy(statement) !== null);
}

/**
 * The tables one statement writes rows of, unquoted (`public.` dropped); null when it writes none.
 * `FOR UPDATE` and `ON CONFLICT … DO UPDATE` are not writes of their own.
 */
export function writtenBy(statement: string): string[] | null {
  const text = statement.replace(/--[^\n]*/g, ' ');
  const alter = alterUsing.exec(text);
  if (alter) return [tableName(alter[1])];
  // Defining a function is not running it; a CREATE TABLE … AS fills a new table, the schema check's business.
  if (/^\s*(create|alter|drop|comment|grant|revoke)\b/i.test(text)) return null;
  const tables = new Set<string>();
  for (const match of text.matchAll(writeTarget)) {
    const before = text.slice(0, match.index);
    // `FOR UPDATE`, `DO UPDATE SET` and `ON UPDATE CASCADE` are clauses, not statements.
    if (/\b(for|do|on|no\s+key)\s*$/i.test(before)) continue;
    tables.add(tableName(match[1]));
  }
  return tables.size > 0 ? [...tables] : null;
}

/**
 * The tables the data-changing statements of `statements` reach in `schema`, with the tables whose
 * foreign keys point at them (a DELETE cascades); undefined when none of them changes data.
 */
export function tablesWritten(statements: string[], schema: SchemaSnapshot): Set<string> | undefined {
  const named = new Set<string>();
  let any = false;
  for (const statement of statements.flatMap((sql) => statementsOf(sql))) {
    const tables = writtenBy(statement);
    if (!tables) continue;
    any = true;
    for (const table of tables) if (schema.tables[table]) named.add(table);
  }
  if (!any) return undefined;
  let grew = true;
  while (grew) {
    grew = false;
    for (const [table, info] of Object.entries(schema.tables)) {
      if (named.has(table)) continue;
      if (Object.values(info.foreignKeys).some((fk) => named.has(fk.references))) {
        named.add(table);
        grew = true;
      }
    }
  }
  return named;
}

const readSource = new RegExp(String.raw`\b(?:from|join)\s+(?:only\s+)?(${name})`, 'gi');

/**
 * The tables of `schema` that `statements` read rows from: what up does may depend on them (a loop
 * over the rows it selects), even though with empty tables it wrote nothing.
 */
export function tablesRead(statements: string[], schema: SchemaSnapshot): Set<string> {
  const read = new Set<string>();
  for (const statement of statements.flatMap((sql) => statementsOf(sql))) {
    for (const match of statement.matchAll(readSource)) {
      const table = tableName(match[1]);
      if (schema.tables[table]) read.add(table);
    }
  }
  return read;
}

/** A table name as the snapshot keys it, spaces around its dot dropped. */
function tableName(raw: string): string {
  return unquote(raw.replace(/\s*\.\s*/g, '.'));
}
