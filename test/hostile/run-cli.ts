// The CLI as a user runs it (a child process, from the sources), and the dump that tells whether a database changed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { repo } from '../deploy/helpers.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts rollsafe; `done` settles when it exits (killed after `limitMs` so a hang fails the test, not the suite). */
export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; entry?: string; limitMs?: number } = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ['--import', tsx, options.entry ?? join(repo, 'src/cli.ts'), ...args], {
    cwd: options.cwd ?? repo,
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 90_000);
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

export const rollsafe = (args: string[], options: Parameters<typeof startCli>[1] = {}) => startCli(args, options).done;

/** One line on stderr, exit 2, nothing on stdout. */
export function expectOneLine(run: CliRun, message: RegExp): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/internal error/);
}

/** The database as pg_dump prints it, without the random `\restrict` keys of recent pg_dump releases. */
export function dumpOf(databaseUrl: string): string {
  const text = execFileSync('pg_dump', ['--no-password', databaseUrl], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return text.replace(/^\\(un)?restrict .*$/gm, '');
}
