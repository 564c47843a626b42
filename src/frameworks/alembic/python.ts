// The Python side: rollsafe's helper script (python/rollsafe_alembic.py), run with the project's
// own python so the project's own Alembic and SQLAlchemy read and render its revisions.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { rollsafePackage } from '../../config/rollsafe-package.js';
import { SetupError } from '../../setup-error.js';

export function helperScript(): string {
  return join(rollsafePackage().root, 'python', 'rollsafe_alembic.py');
}

/**
 * The project's python, found as the user has it: ROLLSAFE_PYTHON, a `.venv`/`venv` in the project,
 * the active virtualenv, the python behind `alembic` on PATH, else `python3`.
 */
export function findPython(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ROLLSAFE_PYTHON) return env.ROLLSAFE_PYTHON;
  const bin = process.platform === 'win32' ? join('Scripts', 'python.exe') : join('bin', 'python');
  // join() keeps an absolute VIRTUAL_ENV as it is only when it is first: resolve() does what is meant.
  for (const venv of [join(projectDir, '.venv'), join(projectDir, 'venv'), env.VIRTUAL_ENV].filter((v): v is string => Boolean(v))) {
    const python = resolve(projectDir, venv, bin);
    if (existsSync(python)) return python;
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const alembic = join(dir, 'alembic');
    if (!existsSync(alembic)) continue;
    // pip writes the interpreter into the script's shebang; shims (pyenv) are shell scripts: skip them.
    const shebang = /^#!\s*(\S*python[\d.]*)\s*$/.exec(readFileSync(alembic, 'utf8').split('\n', 1)[0]);
    if (shebang && existsSync(shebang[1])) return shebang[1];
    break;
  }
  return process.platform === 'win32' ? 'python' : 'python3';
}

/** One line with the fix when the project's python cannot run Alembic: missing, or without the packages. */
export async function checkPythonHasAlembic(projectDir: string): Promise<void> {
  const python = findPython(projectDir);
  const chosen = process.env.ROLLSAFE_PYTHON ? ' (ROLLSAFE_PYTHON)' : '';
  await new Promise<void>((resolvePromise, reject) => {
    execFile(python, ['-c', 'import alembic, sqlalchemy'], { cwd: projectDir }, (error, _stdout, stderr) => {
      if (!error) return resolvePromise();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new SetupError(`cannot run ${python}${chosen} for the Alembic migrations: install Python 3, or set ROLLSAFE_PYTHON to the project's python`));
      }
      const missing = /No module named '([^']+)'/.exec(String(stderr))?.[1];
      const problem = missing ? `has no ${missing}` : `cannot import Alembic (${String(stderr).trim().split('\n').at(-1) ?? error.message})`;
      reject(new SetupError(`${python}${chosen} ${problem}: pip install alembic sqlalchemy in the project's environment, or set ROLLSAFE_PYTHON to the python that has them`));
    });
  });
}

export interface PythonOptions {
  python: string;
  cwd: string;
  sysPath: string[];
}

function childEnv(options: PythonOptions): NodeJS.ProcessEnv {
  return { ...process.env, ROLLSAFE_SYS_PATH: JSON.stringify([options.cwd, ...options.sysPath]), PYTHONDONTWRITEBYTECODE: '1' };
}

/** One request, one reply: a whole batch of files in one process. */
export function runHelper<T>(command: 'read' | 'offline', request: unknown, options: PythonOptions): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      options.python,
      [helperScript(), command],
      { cwd: options.cwd, env: childEnv(options), maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          const last = String(stderr).trim().split('\n').at(-1);
          reject(new Error(missing ? `cannot run ${options.python}: set ROLLSAFE_PYTHON to the project's python` : `the Alembic helper failed: ${last || error.message}`));
          return;
        }
        try {
          resolvePromise(JSON.parse(stdout) as T);
        } catch {
          reject(new Error(`the Alembic helper answered something that is not JSON: ${String(stdout).slice(0, 200)}`));
        }
      },
    );
    child.stdin!.end(JSON.stringify(request));
  });
}

export interface ServeFailure {
  message: string;
  line: number | null;
  type: string;
}

/** A query the revision sends while it runs online; answered with rows or an error. */
export interface ProxiedQuery {
  query: string;
  params: unknown[];
}

export interface ProxiedReply {
  rows?: unknown[][];
  fields?: string[];
  rowCount?: number;
  error?: string;
}

/**
 * A long-lived python that runs revisions online. Each statement the revision sends comes back here
 * (`answer`) and is run on rollsafe's engine: the revision never opens a connection of its own.
 */
export class OnlineRunner {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private readonly buffered: string[] = [];
  private stderr = '';
  private ready: Promise<string | undefined> | undefined;
  private ended = false;

  constructor(options: PythonOptions) {
    this.child = spawn(options.python, [helperScript(), 'serve'], { cwd: options.cwd, env: childEnv(options) });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.child.on('error', () => this.finish());
    this.child.on('exit', () => this.finish());
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.buffered.push(line);
    });
  }

  private finish(): void {
    this.ended = true;
    for (const next of this.waiting.splice(0)) next(undefined);
  }

  private next(): Promise<string | undefined> {
    if (this.buffered.length > 0) return Promise.resolve(this.buffered.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolvePromise) => this.waiting.push(resolvePromise));
  }

  private died(): Error {
    const last = this.stderr.trim().split('\n').at(-1);
    return new Error(`the Alembic helper stopped${last ? `: ${last}` : ''}`);
  }

  /** Resolves once Alembic and SQLAlchemy are imported and the helper waits for revisions. */
  async started(): Promise<void> {
    this.ready ??= this.next();
    if ((await this.ready) === undefined) throw this.died();
  }

  /** Runs a revision's upgrade/downgrade; resolves with its failure, or undefined when it finished. */
  async run(path: string, direction: 'up' | 'down', answer: (query: ProxiedQuery) => Promise<ProxiedReply>): Promise<ServeFailure | undefined> {
    await this.started();
    this.child.stdin.write(`${JSON.stringify({ path, direction })}\n`);
    for (;;) {
      const line = await this.next();
      if (line === undefined) throw this.died();
      const message = JSON.parse(line) as ProxiedQuery & { done?: boolean; failed?: ServeFailure };
      if (message.done) return undefined;
      if (message.failed) return message.failed;
      this.child.stdin.write(`${JSON.stringify(await answer(message))}\n`);
    }
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.child.stdin.end();
    await new Promise<void>((resolvePromise) => {
      const timer = setTimeout(() => {
        this.child.kill();
        resolvePromise();
      }, 2000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolvePromise();
      });
    });
  }
}
