// --output-file as the run goes: the report of every migration checked so far is written as results
// arrive (at most once a second), and once more, synchronously, when the run is interrupted, so a
// cancelled CI job or a Ctrl-C still leaves the findings it had.
import { writeFileSync } from 'node:fs';
import type { FileResult } from '../types.js';
import type { FormatContext, Formatter } from './context.js';

export interface ReportStream {
  /** Judged results of one more migration. */
  add(results: FileResult[]): void;
  /** Writes what is known now, synchronously. */
  flush(): void;
  /** The run ended: the full report replaces the partial one (the caller writes it). */
  close(): void;
}

export function streamReport(
  path: string,
  format: Formatter,
  context: FormatContext,
  { minIntervalMs = 1_000, now = Date.now }: { minIntervalMs?: number; now?: () => number } = {},
): ReportStream {
  const results = new Map<string, FileResult>();
  let written = 0;
  let dirty = false;
  let closed = false;
  const flush = () => {
    if (!dirty || closed) return;
    dirty = false;
    written = now();
    const sorted = [...results.values()].sort((a, b) => a.filePath.localeCompare(b.filePath));
    writeFileSync(path, format(sorted, context));
  };
  return {
    add(more) {
      for (const result of more) {
        const existing = results.get(result.filePath);
        results.set(result.filePath, existing ? merge(existing, result) : result);
      }
      dirty = true;
      if (now() - written >= minIntervalMs) flush();
    },
    flush,
    close() {
      closed = true;
    },
  };
}

/** A golang-migrate .down.sql gets findings from its .up.sql's checks: one result per file. */
function merge(a: FileResult, b: FileResult): FileResult {
  return {
    ...a,
    messages: [...a.messages, ...b.messages].sort((x, y) => x.line - y.line || x.column - y.column),
    suppressedMessages: [...a.suppressedMessages, ...b.suppressedMessages],
    errorCount: a.errorCount + b.errorCount,
    warningCount: a.warningCount + b.warningCount,
    fatalErrorCount: a.fatalErrorCount + b.fatalErrorCount,
  };
}

/**
 * On SIGINT / SIGTERM: `beforeExit` runs (synchronously), then the other handlers (the postgres
 * engine drops its databases, then re-raises), or the process exits as the signal asks.
 */
export function onInterrupt(beforeExit: () => void): () => void {
  const handle = (signal: NodeJS.Signals) => {
    release();
    try {
      beforeExit();
    } finally {
      if (process.listenerCount(signal) === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  const release = () => {
    process.off('SIGINT', handle);
    process.off('SIGTERM', handle);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return release;
}
