import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { lintCase } from '../../test/rule-tester.js';
import { endpointsOf, scrubEnvironment } from './sandbox.js';

describe('scrubEnvironment', () => {
  it('removes database URLs and credentials, by name and by value, and keeps the rest', () => {
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: 'postgres://app:secret@db.internal:5432/app',
      ANALYTICS_DATABASE_URL: 'postgres://x@y/z',
      PGHOST: 'db.internal',
      PGPASSWORD: 'secret',
      POSTGRES_PASSWORD: 'secret',
      MYSQL_ROOT_PASSWORD: 'secret',
      REDIS_URL: 'redis://cache:6379',
      LEGACY_DSN: 'postgresql://old@legacy/db',
      REPORTS_DB: 'mysql://r@reports/db',
      PATH: '/usr/bin',
      HOME: '/home/dev',
      ROLLSAFE_DEBUG: '1',
    };
    const removed = scrubEnvironment(env);
    expect(Object.keys(env).sort()).toEqual(['HOME', 'PATH', 'ROLLSAFE_DEBUG']);
    expect(removed).toContain('LEGACY_DSN');
    expect(removed).toContain('REPORTS_DB');
  });
});

describe('endpointsOf', () => {
  it('reads host and port, 5432 by default, and a ?host= override', () => {
    expect(endpointsOf('postgres://postgres@127.0.0.1:5433/test')).toEqual([{ host: '127.0.0.1', port: 5433 }]);
    expect(endpointsOf('postgresql://postgres@db/test?host=/var/run/postgresql')).toEqual([
      { host: 'db', port: 5432 },
      { host: '/var/run/postgresql', port: 5432 },
    ]);
  });
});

// The sandbox patches net for good, so it is installed in a child process of its own.
const script = `
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { installSandbox } from ${JSON.stringify(new URL('./sandbox.ts', import.meta.url).pathname)};

const sandbox = installSandbox({ allowed: [{ host: 'localhost', port: 5432 }], files: [] });
const outcome = (socket) => new Promise((resolve) => {
  socket.once('connect', () => { socket.destroy(); resolve('connected'); });
  socket.once('secureConnect', () => { socket.destroy(); resolve('connected'); });
  socket.once('error', (error) => resolve(error.code + ' ' + error.message));
});
const results = {
  netConnect: await outcome(net.connect(6543, '127.0.0.1')),
  createConnection: await outcome(net.createConnection({ host: '10.0.0.1', port: 3306 })),
  socketConnect: await outcome(new net.Socket().connect({ path: '/var/run/postgresql/.s.PGSQL.5432' })),
  tlsConnect: await outcome(tls.connect({ host: 'db.example.com', port: 5432 })),
  http: await new Promise((resolve) => http.get('http://127.0.0.1:8080/', () => resolve('connected')).once('error', (e) => resolve(e.code))),
  allowed: await outcome(net.connect(5432, '127.0.0.1')),
};
console.log(JSON.stringify({ results, violations: sandbox.takeViolations(), env: process.env.DATABASE_URL ?? null }));
`;

describe('installSandbox', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every outbound socket but the allowed endpoint, records each, and scrubs the environment', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollsafe-sandbox-'));
    const file = join(dir, 'probe.mts');
    writeFileSync(file, script);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' },
      cwd: new URL('../..', import.meta.url).pathname,
    });
    const { results, violations, env } = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(env).toBeNull();
    for (const key of ['netConnect', 'createConnection', 'socketConnect', 'tlsConnect']) {
      expect(results[key], key).toMatch(/^ECONNREFUSED .*rollsafe's sandbox/);
    }
    expect(results.http).toBe('ECONNREFUSED');
    // The local Postgres listens there: the allowed endpoint really connects.
    expect(results.allowed).toBe('connected');
    expect(violations.map((v: { host: string; port?: number; via: string }) => `${v.via} ${v.host}:${v.port ?? ''}`)).toEqual([
      'net.connect 127.0.0.1:6543',
      'net.connect 10.0.0.1:3306',
      'net.connect /var/run/postgresql/.s.PGSQL.5432:',
      'tls.connect db.example.com:5432',
      'net.connect 127.0.0.1:8080',
    ]);
  }, 30_000);
});

const testDatabaseUrl = process.env.DATABASE_URL;
const { host: testHost, port: testPort } = testDatabaseUrl ? endpointsOf(testDatabaseUrl)[0] : { host: '', port: 0 };
if (!testDatabaseUrl) console.warn('sandbox.test.ts: DATABASE_URL is unset, the postgres engine test is skipped');

describe('migrations in the worker', () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, PGHOST: process.env.PGHOST };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('see no DATABASE_URL or PG* variable, though the parent process has them', async () => {
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
    process.env.PGHOST = '127.0.0.1';
    const { findings } = await lintCase({
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  if (process.env.DATABASE_URL !== undefined || process.env.PGHOST !== undefined) throw new Error('saw the real database');
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
      },
    });
    expect(findings.map((f) => `${f.line} ${f.ruleId}: ${f.message}`)).toEqual([]);
  }, 120_000);

  it.skipIf(!testDatabaseUrl)('on the postgres engine, reach its server through rollsafe and nothing else', async () => {
    const { findings } = await lintCase({
      framework: 'knex',
      options: { engine: 'postgres', databaseUrl: testDatabaseUrl } as { engine: 'postgres' },
      files: {
        '20240101120000_create_users.ts': `import type { Knex } from 'knex';
import net from 'node:net';

export async function up(knex: Knex): Promise<void> {
  net.connect(6379, '127.0.0.1').on('error', () => undefined);
  net.connect(${JSON.stringify(testPort)}, ${JSON.stringify(testHost)}).on('error', () => undefined);
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
      },
    });
    expect(findings.map((f) => `${f.line} ${f.ruleId}: ${f.message}`)).toEqual([
      '5 sandbox-violation: this migration opened a connection to 127.0.0.1:6379 during up; migrations must use the connection rollsafe gives them (rollsafe refused it)',
      // The engine's own server too, when the migration itself dials it: it could name any database there.
      `6 sandbox-violation: this migration opened a connection to ${testHost}:${testPort} during up; migrations must use the connection rollsafe gives them (rollsafe refused it)`,
    ]);
    expect(findings[0].engine).toBe('postgres');
  }, 120_000);
});
