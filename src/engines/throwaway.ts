// Throwaway databases (and files) are named for the process that made them, so a later run can tell
// the leftovers of a killed run (its process is gone) and sweep them. The postgres engine and the
// deploy commands both go through here.
import { randomBytes } from 'node:crypto';

const throwawayName = /^rollsafe_(\d+)_[0-9a-f]+$/;

/** A fresh name for a database this process will create and drop. */
export function throwawayDatabaseName(): string {
  return `rollsafe_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Whether the process `pid` no longer runs (this process counts as running). */
export function processIsGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** What the sweep needs of a server: rows of a query, and a statement run. */
export interface ServerAccess {
  rows(sql: string): Promise<Record<string, unknown>[]>;
  exec(sql: string): Promise<void>;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Drops the throwaway databases whose run is gone: made by a process that no longer exists, or by this
 * one (a worker stopped at a timeout) and no longer connected to. Never any other database.
 */
export async function dropOrphans(server: ServerAccess): Promise<void> {
  const rows = await server.rows(
    `select datname from pg_database d where datname like 'rollsafe\\_%' and not exists (select 1 from pg_stat_activity a where a.datname = d.datname)`,
  );
  for (const { datname } of rows as { datname: string }[]) {
    const pid = Number(throwawayName.exec(datname)?.[1]);
    if (!pid || (pid !== process.pid && !processIsGone(pid))) continue;
    await server.exec(`drop database if exists ${quote(datname)} with (force)`);
  }
}

/** Drops every throwaway database of this process (Ctrl-C: nothing of the run is needed any more). */
export async function dropThrowawaysOfThisProcess(server: ServerAccess): Promise<void> {
  const rows = await server.rows(`select datname from pg_database where datname like 'rollsafe\\_${process.pid}\\_%'`);
  for (const { datname } of rows as { datname: string }[]) {
    if (throwawayName.test(datname)) await server.exec(`drop database if exists ${quote(datname)} with (force)`);
  }
}
