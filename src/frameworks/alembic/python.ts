// The Python side: rollsafe's helper script (python/rollsafe_alembic.py), run with the project's
// own python so the project's own Alembic and SQLAlchemy read and render its revisions.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { rollsafePackage } from '../../config/rollsafe-package.js';
import { SetupError } from '../../setup-error.js';

export function helperScript(): string {
  return join(rollsafePackage().root, 'python', 'rollsafe_alembic.py');
}

const projectMarkers = ['pyproject.toml', 'setup.py', 'setup.cfg', 'Pipfile', 'poetry.lock', 'uv.lock', 'requirements.txt'];

/**
 * The Python project `iniDir` belongs to: the repository root (`.git`) above it, else the furthest
 * folder above it with a Python project file (pyproject.toml, setup.py, Pipfile…), else `iniDir`.
 */
export function pythonProjectRoot(iniDir: string): string {
  let furthest = resolve(iniDir);
  for (let dir = resolve(iniDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (projectMarkers.some((marker) => existsSync(join(dir, marker)))) furthest = dir;
    if (dirname(dir) === dir) return furthest;
  }
}

/** The folders from `iniDir` up to `root`, nearest first. */
function foldersUp(iniDir: string, root: string): string[] {
  const folders: string[] = [];
  for (let dir = resolve(iniDir); ; dir = dirname(dir)) {
    folders.push(dir);
    if (dir === resolve(root) || dirname(dir) === dir) return folders;
  }
}

/**
 * The project's python, found as the user has it: ROLLSAFE_PYTHON; a `.venv`/`venv` (uv, Poetry
 * in-project, plain venv) in the alembic.ini folder or any folder above it up to the repository root;
 * Poetry's and pipenv's own environment for a pyproject.toml/Pipfile there; the active virtualenv;
 * the python behind `alembic` on PATH; else `python3`.
 */
export function findPython(iniDir: string, env: NodeJS.ProcessEnv = process.env, root = pythonProjectRoot(iniDir)): string {
  if (env.ROLLSAFE_PYTHON) return env.ROLLSAFE_PYTHON;
  const bin = process.platform === 'win32' ? join('Scripts', 'python.exe') : join('bin', 'python');
  const home = env.HOME ?? env.USERPROFILE ?? '';
  for (const dir of foldersUp(iniDir, root)) {
    const venvs = [env.UV_PROJECT_ENVIRONMENT, join(dir, '.venv'), join(dir, 'venv')];
    if (existsSync(join(dir, 'pyproject.toml'))) venvs.push(...poetryEnvironments(dir, env, home));
    if (existsSync(join(dir, 'Pipfile'))) venvs.push(...namedEnvironments(env.WORKON_HOME ?? join(home, '.local', 'share', 'virtualenvs'), basename(dir)));
    for (const venv of venvs.filter((v): v is string => Boolean(v))) {
      // join() keeps an absolute path as it is only when it is first: resolve() does what is meant.
      const python = resolve(dir, venv, bin);
      if (existsSync(python)) return python;
    }
  }
  if (env.VIRTUAL_ENV && existsSync(resolve(env.VIRTUAL_ENV, bin))) return resolve(env.VIRTUAL_ENV, bin);
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

/** Poetry keeps a project's environment as `<name>-<hash>-py<version>` in its cache, unless in-project. */
function poetryEnvironments(dir: string, env: NodeJS.ProcessEnv, home: string): string[] {
  const name = /^\s*name\s*=\s*["']([^"']+)["']/m.exec(readFileSync(join(dir, 'pyproject.toml'), 'utf8'))?.[1];
  if (!name) return [];
  const cache = env.POETRY_VIRTUALENVS_PATH ?? join(env.POETRY_CACHE_DIR ?? join(home, '.cache', 'pypoetry'), 'virtualenvs');
  return namedEnvironments(cache, name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
}

function namedEnvironments(folder: string, prefix: string): string[] {
  try {
    return readdirSync(folder)
      .filter((entry) => entry.startsWith(`${prefix}-`))
      .map((entry) => join(folder, entry));
  } catch {
    return [];
  }
}

/**
 * What `alembic` run from the alembic.ini folder has on sys.path: that folder (and its
 * prepend_sys_path), then the project root, where the project's own package usually sits.
 */
export function pythonOptions(iniDir: string, prependSysPath: string[], env: NodeJS.ProcessEnv = process.env): PythonOptions {
  const root = pythonProjectRoot(iniDir);
  const sysPath = [...prependSysPath, ...(resolve(root) === resolve(iniDir) ? [] : [root])];
  return { python: findPython(iniDir, env, root), cwd: iniDir, sysPath };
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
          reject(
            new Error(
              missing
                ? `cannot run ${options.python}: no project python was found from ${options.cwd} up to its repository root (.venv, venv, Poetry, pipenv); set ROLLSAFE_PYTHON to it`
                : `the Alembic helper failed with ${options.python}: ${last || error.message}`,
            ),
          );
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

  readonly python: string;

  constructor(options: PythonOptions) {
    this.python = options.python;
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
    return new Error(`the Alembic helper stopped (${this.python})${last ? `: ${last}` : ''}`);
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
