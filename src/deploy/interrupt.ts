// Ctrl-C (SIGINT) or SIGTERM during deploy, verify-backup or restore: the client tools stop, then what
// the run made goes (a partial dump, a scratch database, a private copy of a backup), then the process
// dies of the signal as it was asked to. What a SIGKILL leaves is swept by the next run.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processIsGone } from '../engines/throwaway.js';
import { stopTools } from './server.js';

type Cleanup = () => Promise<unknown> | unknown;

const cleanups = new Set<Cleanup>();
const never = new Promise<never>(() => undefined);
let handling = false;

/** The cleanup must not hang the exit when the server stops answering. */
const cleanupLimitMs = 15_000;

function onSignal(signal: NodeJS.Signals): void {
  if (handling) return;
  handling = true;
  const die = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  const limit = setTimeout(die, cleanupLimitMs);
  void (async () => {
    stopTools();
    for (const cleanup of [...cleanups].reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
  })().finally(() => {
    clearTimeout(limit);
    die();
  });
}

/** Runs `work` with `cleanup` armed for a signal; once `work` settles, the signal does the default again. */
export async function cleanedUpOnSignal<T>(cleanup: Cleanup, work: () => Promise<T>): Promise<T> {
  if (cleanups.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  cleanups.add(cleanup);
  try {
    const result = await work();
    // Interrupted: the work ended because its tools were stopped; the process dies once the cleanup is done.
    if (handling) await never;
    return result;
  } catch (error) {
    if (handling) await never;
    throw error;
  } finally {
    cleanups.delete(cleanup);
    if (cleanups.size === 0 && !handling) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** Removes the entries of `dir` named by `pattern` (its first group a pid) whose process is gone. */
export async function sweepLeftoverFiles(dir: string, pattern: RegExp): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (pid && processIsGone(pid)) await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
