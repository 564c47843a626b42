// Old backups go: keep the newest N, and/or none older than D days; the one just taken always stays.
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { manifestPath } from './backup.js';

export interface RetentionPolicy {
  keep?: number;
  keepDays?: number;
}

/** Removes the backups (and their manifests) the policy lets go; returns their paths. */
export async function applyRetention(dir: string, policy: RetentionPolicy, always: string[] = [], now = new Date()): Promise<string[]> {
  if (policy.keep === undefined && policy.keepDays === undefined) return [];
  const names = (await readdir(dir)).filter((name) => name.endsWith('.dump'));
  const backups = await Promise.all(names.map(async (name) => ({ path: join(dir, name), mtime: (await stat(join(dir, name))).mtimeMs })));
  backups.sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
  const kept = new Set(always.map((path) => resolve(path)));
  const removed: string[] = [];
  for (const [index, backup] of backups.entries()) {
    if (kept.has(resolve(backup.path))) continue;
    const tooMany = policy.keep !== undefined && index >= policy.keep;
    const tooOld = policy.keepDays !== undefined && now.getTime() - backup.mtime > policy.keepDays * 86_400_000;
    if (!tooMany && !tooOld) continue;
    await rm(backup.path, { force: true });
    await rm(manifestPath(backup.path), { force: true });
    removed.push(backup.path);
  }
  return removed;
}
