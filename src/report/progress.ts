// Where a long run is: on a terminal one line rewritten in place, elsewhere (CI, a pipe) a line every
// few seconds on stderr, and nothing at all for a run that ends quickly (the git hook stays quiet).
import { relative } from 'node:path';

export interface Progress {
  /** Migrations whose checks are finished, of all those reported on. */
  done: number;
  total: number;
  /** The migration set's folder and the migration now running. */
  set: string;
  file: string;
  /** What the migration is doing: loading, replaying an earlier one, a protocol step. */
  step?: string;
}

export interface ProgressOptions {
  stream: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  cwd: string;
  /** On a terminal (and not CI): one rewritten line. */
  interactive: boolean;
  /** Elsewhere: one line this often (default 5 s)... */
  everyMs?: number;
  /** ...and none before this much of the run has passed (default 8 s: the hook and short runs stay quiet). */
  quietForMs?: number;
  now?: () => number;
  setInterval?: (tick: () => void, ms: number) => { unref?(): unknown };
  clearInterval?: (timer: unknown) => void;
}

export interface ProgressReporter {
  update(progress: Progress): void;
  /** Clears the terminal line or stops the periodic lines; the report follows. */
  finish(): void;
}

/** `[12/350] db/migrations · 20240101_users.ts · up-again` */
export function progressText(progress: Progress, cwd: string): string {
  const path = (p: string) => relative(cwd, p) || p;
  const parts = [path(progress.set), relative(progress.set, progress.file) || path(progress.file), progress.step].filter(Boolean);
  return `[${progress.done}/${progress.total}] ${parts.join(' · ')}`;
}

export function createProgress(options: ProgressOptions): ProgressReporter {
  const { stream, cwd } = options;
  if (options.interactive) {
    let shown = false;
    return {
      update(progress) {
        shown = true;
        stream.write(`\r\x1b[K${progressText(progress, cwd).slice(0, (stream.columns || 80) - 1)}`);
      },
      finish() {
        if (shown) stream.write('\r\x1b[K');
      },
    };
  }
  const now = options.now ?? Date.now;
  const every = options.everyMs ?? 5_000;
  const quietFor = options.quietForMs ?? 8_000;
  const started = now();
  let latest: Progress | undefined;
  let said: string | undefined;
  const tick = () => {
    if (!latest || now() - started < quietFor) return;
    const text = progressText(latest, cwd);
    const seconds = Math.round((now() - started) / 1000);
    // The same line again only says the run is alive: that is what a CI log needs after a long quiet.
    stream.write(`rollsafe: ${text} (${seconds} s)\n`);
    said = text;
  };
  const timer = (options.setInterval ?? setInterval)(tick, every);
  timer.unref?.();
  return {
    update(progress) {
      latest = progress;
    },
    finish() {
      (options.clearInterval ?? ((t) => clearInterval(t as NodeJS.Timeout)))(timer);
      if (said && latest && latest.done === latest.total) stream.write(`rollsafe: ${latest.total} of ${latest.total} checked (${Math.round((now() - started) / 1000)} s)\n`);
    },
  };
}
