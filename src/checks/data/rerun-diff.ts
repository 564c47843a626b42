// What a second run did to a table's rows, from its contents after the first and after the second
// run. Rows are matched by primary key where there is one, else as a multiset. Values a run makes
// afresh every time are not differences: columns whose default is a sequence, a clock, random() or a
// random uuid, and any timestamp within a day of now (a now() in the statement itself).
import type { TableSnapshot } from '../../schema/snapshot.js';
import type { DataRerun } from '../../types.js';
import type { TableContents } from './digest.js';

const volatileDefault = /nextval\(|^(small|big)?serial$|\bnow\(|current_(timestamp|date|time)\b|localtime|clock_timestamp|statement_timestamp|transaction_timestamp|random\(|gen_random_uuid|uuid_generate|uuidv[47]/i;

/** Columns whose values a run makes afresh for each new row. */
export function volatileColumns(table: TableSnapshot): Set<string> {
  const columns = new Set<string>();
  for (const [column, info] of Object.entries(table.columns)) {
    if ((info.generated && info.generated !== 'stored') || volatileDefault.test(info.default ?? '')) columns.add(column);
  }
  return columns;
}

const aDay = 24 * 60 * 60 * 1000;

/** A value as compared: a timestamp or date of today stands for "now", whichever run wrote it. */
export function comparable(value: string, now = Date.now()): string {
  const match = /^'?(\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d(?::?\d\d)?)?)?)'?$/.exec(value);
  if (!match) return value;
  const time = Date.parse(match[1].replace(' ', 'T'));
  return !Number.isNaN(time) && Math.abs(time - now) < aDay ? 'now' : value;
}

const maxPerTable = 3;

/** The rows of `second` that are not those of `first`, said per table: inserted, deleted, or a column changed. */
export function rerunChanges(table: string, schema: TableSnapshot, first: TableContents, second: TableContents): DataRerun[] {
  if (first.digest === second.digest) return [];
  const columns = first.columns.filter((column) => second.columns.includes(column));
  const volatile = volatileColumns(schema);
  const stable = columns.filter((column) => !volatile.has(column));
  const at = (contents: TableContents, row: string[], column: string) => comparable(row[contents.columns.indexOf(column)]);
  const stableKey = (contents: TableContents, row: string[]) => JSON.stringify(stable.map((column) => at(contents, row, column)));
  const key = first.key.length > 0 && first.key.every((column) => columns.includes(column)) ? first.key : [];
  const changes: DataRerun[] = [];

  let gone: string[][];
  let added: string[][];
  if (key.length > 0) {
    const keyOf = (contents: TableContents, row: string[]) => JSON.stringify(key.map((column) => row[contents.columns.indexOf(column)]));
    const later = new Map(second.rows.map((row) => [keyOf(second, row), row]));
    const earlier = new Set(first.rows.map((row) => keyOf(first, row)));
    gone = first.rows.filter((row) => !later.has(keyOf(first, row)));
    added = second.rows.filter((row) => !earlier.has(keyOf(second, row)));
    const describeKey = (row: string[]) => key.map((column) => `${column} ${row[first.columns.indexOf(column)]}`).join(', ');
    for (const column of stable) {
      if (key.includes(column)) continue;
      let count = 0;
      let example = '';
      for (const row of first.rows) {
        const other = later.get(keyOf(first, row));
        if (!other) continue;
        const was = row[first.columns.indexOf(column)];
        const now = other[second.columns.indexOf(column)];
        if (comparable(was) === comparable(now)) continue;
        count++;
        example ||= `${describeKey(row)}: ${short(was)} → ${short(now)}`;
      }
      if (count > 0) changes.push({ table, change: 'changed', column, count, of: first.rows.length - gone.length, example, sites: [] });
    }
  } else {
    gone = [...first.rows];
    added = [...second.rows];
  }

  // Rows deleted and made again with fresh ids or timestamps are the same rows.
  const left = new Map<string, number>();
  for (const row of added) left.set(stableKey(second, row), (left.get(stableKey(second, row)) ?? 0) + 1);
  const reallyGone = gone.filter((row) => {
    const id = stableKey(first, row);
    const count = left.get(id) ?? 0;
    if (count === 0) return true;
    left.set(id, count - 1);
    return false;
  });
  const reallyAdded = added.filter((row) => {
    const id = stableKey(second, row);
    const count = left.get(id) ?? 0;
    if (count === 0) return false;
    left.set(id, count - 1);
    return true;
  });

  if (key.length === 0 && reallyGone.length > 0 && reallyGone.length === reallyAdded.length) {
    // Without a key, rows rewritten in place look like rows deleted and inserted: paired in order, that is a change.
    const column = stable.find((c) => reallyGone.some((row, i) => at(first, row, c) !== at(second, reallyAdded[i], c)));
    if (column) {
      const i = reallyGone.findIndex((row, n) => at(first, row, column) !== at(second, reallyAdded[n], column));
      const example = `a row with ${column} = ${short(reallyGone[i][first.columns.indexOf(column)])} now holds ${short(reallyAdded[i][second.columns.indexOf(column)])}`;
      changes.push({ table, change: 'changed', column, count: reallyGone.length, of: first.rows.length, example, sites: [] });
      return changes.slice(0, maxPerTable);
    }
  }
  if (reallyAdded.length > 0) {
    changes.unshift({ table, change: 'inserted', count: reallyAdded.length, of: first.rows.length, example: describeRow(second, firstRow(reallyAdded), stable, key), sites: [] });
  }
  if (reallyGone.length > 0) {
    changes.unshift({ table, change: 'deleted', count: reallyGone.length, of: first.rows.length, example: describeRow(first, firstRow(reallyGone), stable, key), sites: [] });
  }
  return changes.slice(0, maxPerTable);
}

/** `code = 'read', label = 'Read', …`: the row's own values; its key only when it has nothing else. */
function describeRow(contents: TableContents, row: string[], stable: string[], key: string[]): string {
  const own = stable.filter((column) => !key.includes(column));
  const shown = (own.length > 0 ? own : key.length > 0 ? key : contents.columns).slice(0, 2);
  const more = contents.columns.length > shown.length ? ', …' : '';
  return shown.map((column) => `${column} = ${short(row[contents.columns.indexOf(column)])}`).join(', ') + more;
}

/** The row a person would look at first: the lowest key (numbers as numbers). */
function firstRow(rows: string[][]): string[] {
  return [...rows].sort((a, b) => a.join('\0').localeCompare(b.join('\0'), 'en', { numeric: true }))[0];
}

/** A value cut to a readable length, its quotes kept. */
function short(value: string, max = 32): string {
  if (value.length <= max) return value;
  return value.startsWith("'") ? `${value.slice(0, max - 2)}…'` : `${value.slice(0, max - 1)}…`;
}
