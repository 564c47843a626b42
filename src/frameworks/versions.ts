// The framework version a project resolves, read from its installed package.json (as Node would
// find it from the project), and the majors rollsafe can run: rules that depend on a version and
// runners that depend on a package's layout read it here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A framework installed at a version rollsafe cannot run: one line, never a finding on a migration. */
export class FrameworkVersionError extends Error {
  override name = 'FrameworkVersionError';
}

export interface InstalledPackage {
  version: string;
  major: number;
  /** The package's folder (node_modules/<name>). */
  dir: string;
}

const cache = new Map<string, InstalledPackage | undefined>();

/** The version of `name` that `from` (a file or folder of the project) resolves, walking up node_modules as Node does. */
export function installedPackage(name: string, from: string): InstalledPackage | undefined {
  const start = existsSync(join(from, 'package.json')) || !/\.[a-z]+$/i.test(from) ? from : dirname(from);
  const key = `${name}\0${start}`;
  if (cache.has(key)) return cache.get(key);
  let found: InstalledPackage | undefined;
  for (let current = start; ; current = dirname(current)) {
    const manifest = join(current, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) {
      const version = readVersion(manifest);
      if (version) found = { version, major: Number(version.split('.')[0]), dir: dirname(manifest) };
      break;
    }
    if (dirname(current) === current) break;
  }
  cache.set(key, found);
  return found;
}

function readVersion(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The majors each framework package runs on (the version matrix in test/framework-versions.test.ts). */
export const supportedMajors: Record<string, number[]> = {
  'node-pg-migrate': [6, 7, 8, 9],
};

/** Throws one clear line when the project's `name` is a major rollsafe cannot run. */
export function requireSupported(name: string, installed: InstalledPackage | undefined): void {
  const majors = supportedMajors[name];
  if (!installed || !majors || majors.includes(installed.major)) return;
  throw new FrameworkVersionError(
    `${name} ${installed.version} (${installed.dir}) is not supported: rollsafe runs ${name} ${listOf(majors.map((m) => `${m}.x`))}`,
  );
}

function listOf(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
