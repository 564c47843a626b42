// Conservative, dependency-free edits of simple block-style YAML: find a top-level key's block and
// insert lines into it. Anything fancier (flow style, anchors, several documents) is left to the user.

/** True when the text uses only what these helpers understand: block maps and lists, comments, scalars. */
export function isSimpleYaml(text: string): boolean {
  const lines = text.split('\n');
  return lines.every((line, index) => {
    const content = stripComment(line).trimEnd();
    if (content === '') return true;
    if (/^\t/.test(line)) return false;
    if (content === '---' && index === 0) return true;
    if (/^(---|\.\.\.)\s*$/.test(content)) return false;
    // anchors, aliases, merge keys, flow collections, block scalars: not for a line editor
    if (/(^|[\s:,-])[&*][\w-]/.test(content) || /<<:/.test(content)) return false;
    if (/:\s*[[{]/.test(content) || /^\s*-\s*[[{]/.test(content) || /^\s*[[{]/.test(content)) return false;
    return !/[|>][+-]?\s*$/.test(content);
  });
}

/** The line without a trailing `# comment` (a `#` inside quotes is kept). */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

export function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function isBlank(line: string): boolean {
  return stripComment(line).trim() === '';
}

/** Lines [start, end) of the block under `key` at `indent` within [from, to): the key line and its children. */
export function findBlock(
  lines: string[],
  key: string,
  indent = 0,
  from = 0,
  to = lines.length,
): { start: number; end: number; inlineValue: string } | undefined {
  const keyPattern = new RegExp(`^ {${indent}}(?:${escape(key)}|"${escape(key)}"|'${escape(key)}')\\s*:(.*)$`);
  for (let i = from; i < to; i++) {
    const match = keyPattern.exec(stripComment(lines[i]!).trimEnd());
    if (!match) continue;
    let end = i + 1;
    for (let j = i + 1; j < to; j++) {
      if (isBlank(lines[j]!)) continue;
      const lineIndent = indentOf(lines[j]!);
      // a list may sit at its key's own indent (`repos:\n- repo: …`) and still belong to it
      const sameIndentList = lineIndent === indent && lines[j]!.slice(lineIndent).startsWith('-');
      if (lineIndent <= indent && !sameIndentList) break;
      end = j + 1;
    }
    return { start: i, end, inlineValue: match[1]!.trim() };
  }
  return undefined;
}

/** The indent of the first non-blank child line in [start+1, end), or undefined when there is none. */
export function childIndent(lines: string[], block: { start: number; end: number }): number | undefined {
  for (let i = block.start + 1; i < block.end; i++) {
    if (!isBlank(lines[i]!)) return indentOf(lines[i]!);
  }
  return undefined;
}

/** Re-indents a snippet written at indent 0 with two-space steps to the file's own step and base indent. */
export function indentSnippet(snippet: string[], base: number, step: number): string[] {
  return snippet.map((line) => {
    const depth = indentOf(line) / 2;
    return ' '.repeat(base + depth * step) + line.trimStart();
  });
}

/** Joins lines back, keeping exactly one trailing newline. */
export function joinLines(lines: string[]): string {
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n') + '\n';
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
