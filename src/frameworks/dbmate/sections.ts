// How dbmate cuts one file into its `-- migrate:up` and `-- migrate:down` sections.

/** One section: its SQL (starting with the marker line) and where it starts in the file. */
export interface MigrationSection {
  sql: string;
  /** 1-based line of the `-- migrate:…` marker. */
  line: number;
  /** `transaction:false` on the marker line turns off dbmate's transaction. */
  transaction: boolean;
}

export interface MigrationSections {
  up?: MigrationSection;
  down?: MigrationSection;
  /** dbmate refuses the file (its own wording), with the line it refers to. */
  error?: { message: string; line: number };
}

// dbmate's markers must start a line; options follow on the same line.
const upMarker = /^--[ \t]*migrate:up(?=[ \t]|\r?$)/m;
const downMarker = /^--[ \t]*migrate:down(?=[ \t]|\r?$)/m;

export function readSections(source: string): MigrationSections {
  const up = upMarker.exec(source);
  const down = downMarker.exec(source);
  if (!up) return { error: { message: "dbmate requires each migration to define an up block with '-- migrate:up'", line: 1 } };
  if (down && down.index < up.index) {
    return { error: { message: "dbmate requires '-- migrate:up' to appear before '-- migrate:down'", line: lineAt(source, down.index) } };
  }
  const stray = source
    .slice(0, up.index)
    .split('\n')
    .findIndex((line) => !/^\s*(--.*)?$/.test(line));
  if (stray !== -1) return { error: { message: "dbmate does not support statements preceding the '-- migrate:up' block", line: stray + 1 } };
  const upEnd = down ? down.index : source.length;
  return {
    up: section(source, up.index, upEnd),
    ...(down ? { down: section(source, down.index, source.length) } : {}),
  };
}

function section(source: string, start: number, end: number): MigrationSection {
  const sql = source.slice(start, end);
  const markerLine = sql.split('\n', 1)[0];
  return { sql, line: lineAt(source, start), transaction: !/(?:^|\s)transaction:false(?:\s|$)/.test(markerLine) };
}

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}
