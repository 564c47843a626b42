// The sandboxed process's own guard: migrations are user code run at commit time, so they must never
// reach a real database by accident. Node's permission model (src/checks/sandbox-process.ts) is the
// wall for processes, threads, addons and file writes; this patches what it does not cover: every
// outbound socket (net, tls, and so http, https and fetch, which open theirs through net), UDP and
// DNS fail at once. Each attempt, process and thread ones included, is recorded with its migration line.
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import workerThreads from 'node:worker_threads';
import { parse as parseConnectionString } from 'pg-connection-string';
import { captureCallSites, siteIn } from '../load/index.js';
import type { SandboxViolation } from '../types.js';

/** A host and port the engine itself connects to (the postgres engine's server). */
export interface AllowedEndpoint {
  host: string;
  port: number;
}

/** Names of variables that hold database URLs or credentials. */
const credentialName = /^(DATABASE_URL|[A-Z0-9_]+_DATABASE_URL|PG[A-Z0-9_]*|POSTGRES_[A-Z0-9_]*|MYSQL_[A-Z0-9_]*|REDIS_URL)$/;
/** Values that are a database URL whatever the variable is called. */
const databaseUrlValue = /^\s*(postgres|postgresql|mysql|mariadb|redis|rediss|mongodb|mongodb\+srv):\/\//i;

/** Removes database URLs and credentials from `env` (the worker's copy); returns the names removed. */
export function scrubEnvironment(env: NodeJS.ProcessEnv): string[] {
  const removed: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (credentialName.test(name) || (value !== undefined && databaseUrlValue.test(value))) {
      delete env[name];
      removed.push(name);
    }
  }
  return removed;
}

/**
 * The endpoints a database URL names: its host and port (Postgres's 5432 by default), and a `?host=` override.
 * Read as libpq and `pg` read it (`postgres://user@/db?host=/cloudsql/x` has no host part, which WHATWG URL refuses).
 */
export function endpointsOf(databaseUrl: string): AllowedEndpoint[] {
  const parsed = parseConnectionString(databaseUrl);
  const port = Number(parsed.port || 5432);
  const hosts: string[] = [];
  const named = /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?]*)/i.exec(databaseUrl)?.[1]?.replace(/^\[(.*)\]$/, '$1');
  if (named) hosts.push(decodeURIComponent(named));
  const override = parsed.host?.replace(/^\[(.*)\]$/, "$1");
  if (override && !hosts.includes(override)) hosts.push(override);
  if (hosts.length === 0) hosts.push('localhost');
  return hosts.map((host) => ({ host, port }));
}

export interface Sandbox {
  /** What the migrations are doing now ('load', 'up'…), recorded with each blocked attempt. */
  during: SandboxViolation['during'];
  /** The blocked attempts since the last call, oldest first. */
  takeViolations(): SandboxViolation[];
  /** The migration files, where each attempt is located. */
  files: Set<string>;
}

let installed: (Sandbox & { allowed: AllowedEndpoint[] }) | undefined;

/**
 * Scrubs the environment and blocks outbound sockets for the rest of this thread's life. `files` are
 * the migration files: a blocked attempt is located at the first stack frame in one of them.
 */
export function installSandbox(options: { allowed: AllowedEndpoint[]; files: string[] }): Sandbox {
  scrubEnvironment(process.env);
  if (installed) {
    installed.allowed = options.allowed;
    installed.files = new Set(options.files);
    return installed;
  }
  let violations: SandboxViolation[] = [];
  const sandbox = {
    allowed: options.allowed,
    files: new Set(options.files),
    during: undefined as SandboxViolation['during'],
    takeViolations() {
      const taken = violations;
      violations = [];
      return taken;
    },
  };
  installed = sandbox;
  const record = (violation: SandboxViolation) => {
    const sites = captureCallSites();
    const loc = [...sandbox.files].map((file) => siteIn(sites, file)).find(Boolean);
    violations.push({ ...violation, ...(loc ? { loc } : {}), ...(sandbox.during ? { during: sandbox.during } : {}) });
  };
  refuseDatagramsAndLookups(record);
  recordProcessesAndThreads(record);

  const connect = net.Socket.prototype.connect;
  // One patch covers net.connect, net.createConnection, tls.connect and every client built on them.
  net.Socket.prototype.connect = function sandboxedConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    if (isLoaderPipe(target)) return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    const allowed = target.port !== undefined && sandbox.allowed.some((a) => a.port === target.port && sameHost(a.host, target.host));
    // Stack walks cost: only on the allowed endpoint (which a migration's own client may aim at too) and on a refusal.
    const sites = captureCallSites();
    const loc = [...sandbox.files].map((file) => siteIn(sites, file)).find(Boolean);
    // The engine's server, reached by the engine or its framework (no migration line on the stack), not by a migration's own client.
    if (allowed && !loc) return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    const via = this instanceof tls.TLSSocket ? 'tls.connect' : 'net.connect';
    violations.push({ host: target.host, ...(target.port !== undefined ? { port: target.port } : {}), via, ...(loc ? { loc } : {}), ...(sandbox.during ? { during: sandbox.during } : {}) });
    const where = target.port !== undefined ? `${target.host}:${target.port}` : target.host;
    const error = Object.assign(new Error(`connect ECONNREFUSED ${where} (blocked by rollsafe's sandbox: migrations may only use the connection rollsafe gives them)`), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      address: target.host,
      ...(target.port !== undefined ? { port: target.port } : {}),
    });
    // Refused as a real server refuses: an 'error' event on the next tick, which pg and http turn into a rejection.
    process.nextTick(() => this.destroy(error));
    return this;
  } as typeof net.Socket.prototype.connect;
  return sandbox;
}

function refused(what: string, code = 'ECONNREFUSED'): Error {
  return Object.assign(new Error(`${code} ${what} (blocked by rollsafe's sandbox: migrations may only use the connection rollsafe gives them)`), { code });
}

/** UDP sockets and DNS lookups (c-ares and getaddrinfo alike) fail as an unreachable network does. */
function refuseDatagramsAndLookups(record: (violation: SandboxViolation) => void): void {
  const socket = dgram.Socket.prototype as unknown as Record<string, unknown>;
  for (const method of ['send', 'connect', 'bind'] as const) {
    socket[method] = function refusedDatagram(this: dgram.Socket, ...args: unknown[]) {
      const port = args.find((a) => typeof a === 'number');
      const host = args.find((a, i) => i > 0 && typeof a === 'string') as string | undefined;
      record({ host: host ?? 'localhost', ...(typeof port === 'number' ? { port } : {}), via: `dgram.${method}` });
      throw refused(`udp ${host ?? ''}:${String(port ?? '')}`);
    };
  }
  const lookups = ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveTxt', 'resolveSrv', 'resolvePtr', 'resolveNaptr', 'resolveSoa', 'resolveCaa', 'reverse'];
  for (const target of [dns, dns.promises, dns.Resolver.prototype, dns.promises.Resolver.prototype] as unknown as Record<string, unknown>[]) {
    const promised = target === (dns.promises as unknown) || target === (dns.promises.Resolver.prototype as unknown);
    for (const name of lookups) {
      if (typeof target[name] !== 'function') continue;
      target[name] = (...args: unknown[]) => {
        record({ host: String(args[0]), via: `dns.${name}` });
        const error = refused(`dns ${String(args[0])}`, 'ENOTFOUND');
        if (promised) return Promise.reject(error);
        const callback = args.at(-1);
        if (typeof callback === 'function') return void process.nextTick(() => (callback as (e: Error) => void)(error));
        throw error;
      };
    }
  }
  syncBuiltinESMExports();
}

/** The permission model refuses them; this says which command or thread, and from which line. */
function recordProcessesAndThreads(record: (violation: SandboxViolation) => void): void {
  const processes = childProcess as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['exec', 'execSync', 'execFile', 'execFileSync', 'spawn', 'spawnSync', 'fork'] as const) {
    const original = processes[name];
    processes[name] = function recordedProcess(this: unknown, ...args: unknown[]) {
      const command = [args[0], ...(Array.isArray(args[1]) ? args[1] : [])].map(String).join(' ');
      record({ host: command, via: `child_process.${name}` });
      return original.apply(this, args);
    };
  }
  const OriginalWorker = workerThreads.Worker;
  (workerThreads as { Worker: unknown }).Worker = class RecordedWorker extends OriginalWorker {
    constructor(...args: ConstructorParameters<typeof OriginalWorker>) {
      record({ host: String(args[0]), via: 'new Worker' });
      super(...args);
    }
  };
  syncBuiltinESMExports();
}

/** Host and port from any of Socket#connect's call shapes (options, port/host, IPC path, net's normalized array). */
function targetOf(args: unknown[]): { host: string; port?: number } {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') {
    const options = first as { host?: string; port?: number | string; path?: string };
    if (options.path) return { host: options.path };
    return { host: options.host ?? 'localhost', port: Number(options.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
  }
  return { host: String(first) };
}

/** tsx, which loads TS migrations, talks to its parent process through a pipe of its own. */
function isLoaderPipe(target: { host: string; port?: number }): boolean {
  return target.port === undefined && /[\\/]tsx-[^\\/]*[\\/]\d+\.pipe$/.test(target.host);
}

const loopbackNames = new Set(['localhost', '127.0.0.1', '::1']);

function sameHost(a: string, b: string): boolean {
  return a === b || (loopbackNames.has(a) && loopbackNames.has(b));
}
