// An error as findings say it: one line, the engine's decorations removed, bounded in length.

const longestMessage = 300;

/** One line: engines (pg-mem above all) wrap the reason in banners, hints and the whole failed query. */
export function messageOf(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const firstParagraph = raw.split(/\n\s*\n/)[0];
  const line = firstParagraph
    .replace(/🔨 Not supported 🔨 ?:?/g, 'not supported:')
    .replace(/💔 Your query failed to parse\.[\s\S]*/, 'the engine could not parse this statement')
    .replace(/[\u{1F300}-\u{1FAFF}\u{2600}-\u{27BF}]\uFE0F?/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > longestMessage ? `${line.slice(0, longestMessage - 1)}…` : line;
}
