// A migration written as an attacker would write it: each case tries to reach the real database,
// read credentials, write outside rollsafe's caches or fool the verdict, and asserts that it did not
// work (what the escape would write to a scratch database on the local server never arrives) and
// that the attempt is a finding on that migration, with every other file still reported.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/index.js';

const repoRoot = join(import.meta.dirname, '..', '..');
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: { note: string }[] }>;
  end(): Promise<void>;
}
const pg = createRequire(import.meta.url)('pg') as { Client: new (config: { connectionString?: string }) => PgClient };
const databaseUrl = process.env.DATABASE_URL;
const scratch = `rollsafe_hostile_${process.pid}`;
const scratchUrl = databaseUrl ? withDatabase(databaseUrl, scratch) : '';

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

interface Outcome {
  /** `file:line ruleId: message`, by file then line. */
  findings: string[];
  dir: string;
}

/** Lints every migration of a knex project made of `files`; the project folder is kept for inspection until the end. */
async function lintProject(
  files: Record<string, string>,
  options: { engine?: 'postgres'; memoryMb?: number; timeoutMs?: number; ownModules?: boolean } = {},
): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-hostile-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'hostile', private: true, dependencies: { knex: '*' } }));
  if (options.ownModules) {
    // A node_modules of its own (the packages linked one by one), so that its .cache is the project's.
    mkdirSync(join(dir, 'node_modules'));
    for (const name of ['knex', 'pg', 'tsx', 'esbuild', 'typescript']) symlinkSync(join(repoRoot, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  } else symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const config = { timeouts: { migrationMs: options.timeoutMs ?? 60_000 }, ...(options.memoryMb ? { limits: { memoryMb: options.memoryMb } } : {}) };
  writeFileSync(join(dir, 'rollsafe.config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'SENTINEL'), 'must survive the lint');
  mkdirSync(join(dir, 'migrations'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, 'migrations', name), source);
  const { results } = await lint({
    cwd: dir,
    paths: Object.keys(files).map((name) => join(dir, 'migrations', name)),
    all: false,
    staged: false,
    ...(options.engine ? { engine: 'postgres' as const, databaseUrl } : {}),
  });
  const findings = results.flatMap((r) => r.messages.map((m) => `${r.filePath.split('/').at(-1)}:${m.line} ${m.ruleId ?? '-'}: ${m.message}`));
  return { findings, dir };
}

const guardedTable = (table: string) => `exports.up = async (knex) => {
  if (!(await knex.schema.hasTable('${table}'))) await knex.schema.createTable('${table}', (t) => { t.increments('id'); });
};
exports.down = (knex) => knex.schema.dropTableIfExists('${table}');
`;

/** A migration that is clean apart from `attack`, run at the start of up and swallowed. */
const attacking = (attack: string, table = 'widgets') => `exports.up = async (knex) => {
  try {
${attack}
  } catch {}
  if (!(await knex.schema.hasTable('${table}'))) await knex.schema.createTable('${table}', (t) => { t.increments('id'); });
};
exports.down = (knex) => knex.schema.dropTableIfExists('${table}');
`;

async function arrived(): Promise<string[]> {
  const client = new pg.Client({ connectionString: scratchUrl });
  await client.connect();
  try {
    return (await client.query('select note from escaped order by note')).rows.map((r) => r.note);
  } finally {
    await client.end();
  }
}

describe.skipIf(!databaseUrl)('a migration cannot reach the real database', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${scratch}`);
    await admin.query(`create database ${scratch}`);
    await admin.end();
    const client = new pg.Client({ connectionString: scratchUrl });
    await client.connect();
    await client.query('create table escaped (note text)');
    await client.end();
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${scratch} with (force)`);
    await admin.end();
  });

  it('through psql in a child process, over TCP and over the unix socket', async () => {
    const tcp = `psql ${JSON.stringify(scratchUrl)} -c "insert into escaped values ('psql tcp')"`;
    const socket = `psql -h /var/run/postgresql -U postgres ${scratch} -c "insert into escaped values ('psql socket')"`;
    const { findings } = await lintProject({
      '001_tcp.js': attacking(`    require('node:child_process').execSync(${JSON.stringify(tcp)});`),
      '002_socket.js': attacking(`    require('node:child_process').spawnSync('sh', ['-c', ${JSON.stringify(socket)}]);`, 'gadgets'),
    });
    expect(await arrived()).toEqual([]);
    expect(findings).toEqual([
      expect.stringMatching(/^001_tcp\.js:3 sandbox-violation: this migration started a process \(psql .*\) during up/),
      expect.stringMatching(/^002_socket\.js:3 sandbox-violation: this migration started a process \(sh -c psql -h \/var\/run\/postgresql.*\) during up/),
    ]);
  }, 120_000);

  it('through a worker thread of its own, whose net would not be patched', async () => {
    const code = `const pg = require(${JSON.stringify(join(repoRoot, 'node_modules/pg'))}); const c = new pg.Client({ connectionString: ${JSON.stringify(scratchUrl)} }); c.connect().then(() => c.query("insert into escaped values ('worker')")).then(() => c.end());`;
    const { findings } = await lintProject({
      '001_worker.js': attacking(`    const { Worker } = require('node:worker_threads');
    new Worker(${JSON.stringify(code)}, { eval: true });
    await new Promise((resolve) => setTimeout(resolve, 1500));`),
    });
    expect(await arrived()).toEqual([]);
    expect(findings).toEqual([expect.stringMatching(/^001_worker\.js:4 sandbox-violation: this migration started a thread .* during up/)]);
  }, 120_000);

  it('with --engine postgres: a pg.Client connected from a timer, with no migration frame on the stack', async () => {
    const { findings } = await lintProject(
      {
        '001_timer.js': attacking(`    const pg = require(${JSON.stringify(join(repoRoot, 'node_modules/pg'))});
    await new Promise((resolve) => setTimeout(() => {
      const c = new pg.Client({ connectionString: ${JSON.stringify(scratchUrl)} });
      c.connect().then(() => c.query("insert into escaped values ('timer')")).then(resolve, resolve);
    }, 10));`),
      },
      { engine: 'postgres' },
    );
    expect(await arrived()).toEqual([]);
    expect(findings).toEqual([expect.stringMatching(/^001_timer\.js:\d+ sandbox-violation: this migration opened a connection to 127\.0\.0\.1:5432 during up/)]);
  }, 120_000);

  it('with --engine postgres: no URL, password or credential anywhere the migration can read', async () => {
    process.env.PGPASSWORD = 'hunter2';
    try {
      const { findings } = await lintProject(
        {
          '001_snoop.js': `const { readFileSync } = require('node:fs');
const seen = [
  readFileSync('/proc/self/environ', 'utf8'),
  readFileSync('/proc/self/cmdline', 'utf8'),
  JSON.stringify(process.env),
  JSON.stringify(process.execArgv),
  JSON.stringify(require('node:worker_threads').workerData ?? null),
].join('\\n');
exports.up = async (knex) => {
  if (/postgres(ql)?:\\/\\/|hunter2|DATABASE_URL|PGPASSWORD/.test(seen)) throw new Error('saw a credential: ' + seen.slice(0, 200));
  if (!(await knex.schema.hasTable('widgets'))) await knex.schema.createTable('widgets', (t) => { t.increments('id'); });
};
exports.down = (knex) => knex.schema.dropTableIfExists('widgets');
`,
        },
        { engine: 'postgres' },
      );
      expect(findings).toEqual([]);
    } finally {
      delete process.env.PGPASSWORD;
    }
  }, 120_000);

  it("with --engine postgres: the migration's SQL runs as a throwaway login that is no superuser and reaches no other database", async () => {
    const program = `psql ${scratchUrl} -c "insert into escaped values ('copy to program')"`.replace(/'/g, "''");
    const { findings } = await lintProject(
      {
        '001_who.js': `exports.up = async (knex) => {
  const { rows } = await knex.raw("select session_user as login, (select rolsuper from pg_roles where rolname = session_user) as su, (select rolname from pg_roles r join pg_database d on d.datdba = r.oid where d.datname = current_database()) as owner");
  if (rows[0].su || !/^rollsafe_\\d+_[0-9a-f]+$/.test(rows[0].login) || rows[0].owner !== 'rollsafe_sandbox') throw new Error('ran as ' + JSON.stringify(rows[0]));
  if (!(await knex.schema.hasTable('gadgets'))) await knex.schema.createTable('gadgets', (t) => { t.increments('id'); });
};
exports.down = (knex) => knex.schema.dropTableIfExists('gadgets');
`,
        '002_sql.js': `exports.up = (knex) => knex.raw(${JSON.stringify(`copy (select 1) to program '${program}'`)});
exports.down = async () => {};
`,
      },
      { engine: 'postgres' },
    );
    expect(await arrived()).toEqual([]);
    // A superuser-only statement is the sandbox login's limit: said as such, never a pass.
    expect(findings.filter((f) => f.startsWith('001_who.js'))).toEqual([]);
    expect(findings).toContainEqual(expect.stringMatching(/^002_sql\.js:1 engine-unsupported: .*must be superuser/));
  }, 120_000);

  it('with --engine postgres over a unix-socket URL, the engine works and nothing is a violation', async () => {
    const socketUrl = `postgresql://postgres@localhost/postgres?host=/var/run/postgresql`;
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-hostile-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'hostile', private: true, dependencies: { knex: '*' } }));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', '001_widgets.js'), guardedTable('widgets'));
    const { results } = await lint({ cwd: dir, paths: [join(dir, 'migrations', '001_widgets.js')], all: false, staged: false, engine: 'postgres', databaseUrl: socketUrl });
    expect(results.flatMap((r) => r.messages.map((m) => m.message))).toEqual([]);
  }, 120_000);
});

describe('a migration is walled in', () => {
  it('cannot delete or write a file of the working tree', async () => {
    const { findings, dir } = await lintProject({
      '001_vandal.js': attacking(`    require('node:fs').rmSync(require('node:path').join(__dirname, '..', 'SENTINEL'));`),
      '002_writer.js': `exports.up = async (knex) => {
  require('node:fs').writeFileSync(require('node:path').join(__dirname, 'dropped.txt'), 'x');
  if (!(await knex.schema.hasTable('gadgets'))) await knex.schema.createTable('gadgets', (t) => { t.increments('id'); });
};
exports.down = (knex) => knex.schema.dropTableIfExists('gadgets');
`,
    });
    expect(existsSync(join(dir, 'SENTINEL'))).toBe(true);
    expect(existsSync(join(dir, 'migrations', 'dropped.txt'))).toBe(false);
    // The refused write fails the step: a finding, not a silent pass.
    expect(findings.filter((f) => f.startsWith('002_writer.js'))).toEqual([expect.stringMatching(/^002_writer\.js:\d+ .*(Access to this API has been restricted|ERR_ACCESS_DENIED)/)]);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("cannot forge rollsafe's replay cache, which the trusted side reads back", async () => {
    const { dir, findings } = await lintProject({
      '001_poisoner.js': attacking(`    const fs = require('node:fs');
    fs.mkdirSync(require('node:path').join(__dirname, '..', 'node_modules', '.cache', 'rollsafe', 'replay'), { recursive: true });
    fs.writeFileSync(require('node:path').join(__dirname, '..', 'node_modules', '.cache', 'rollsafe', 'replay', 'forged.json'), '{}');`),
    }, { ownModules: true });
    // It ran (and is clean apart from the swallowed attempt), but wrote nothing there.
    expect(findings).toEqual([]);
    expect(existsSync(join(dir, 'node_modules', '.cache', 'rollsafe', 'replay', 'forged.json'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('cannot look up a host name or send a datagram', async () => {
    const { findings } = await lintProject({
      '001_dns.js': attacking(`    await require('node:dns').promises.lookup('db.internal.example');`),
      '002_udp.js': attacking(`    require('node:dgram').createSocket('udp4').send('x', 53, '10.0.0.1');`, 'gadgets'),
    });
    expect(findings).toEqual([
      expect.stringMatching(/^001_dns\.js:3 sandbox-violation: this migration opened a connection to db\.internal\.example during up/),
      expect.stringMatching(/^002_udp\.js:3 sandbox-violation: this migration opened a connection to 10\.0\.0\.1:53 during up/),
    ]);
  }, 120_000);
});

describe('a migration cannot fool the verdict', () => {
  it('a forged "done" message does not turn a broken round trip into a pass', async () => {
    const { findings } = await lintProject({
      '001_forger.js': `exports.up = async (knex) => {
  if (!(await knex.schema.hasTable('widgets'))) await knex.schema.createTable('widgets', (t) => { t.increments('id'); });
};
exports.down = async () => {
  // Leaves the table behind, then tells rollsafe on every channel it can find that the check is over.
  process.send?.({ type: 'done' });
  process.send?.({ rpc: 'reply', id: 1, value: undefined });
  require('node:worker_threads').parentPort?.postMessage({ type: 'done' });
};
`,
    });
    expect(findings).toContainEqual(expect.stringMatching(/^001_forger\.js:\d+ round-trip: down does not restore the schema/));
  }, 120_000);

  it('a forged "done" or result followed by a hang is a timeout, not a pass', async () => {
    const { findings } = await lintProject(
      {
        '001_forger_hangs.js': `exports.up = async (knex) => {
  if (!(await knex.schema.hasTable('gadgets'))) await knex.schema.createTable('gadgets', (t) => { t.increments('id'); });
};
exports.down = async () => {
  process.send?.({ type: 'done' });
  process.send?.({ type: 'result', path: __filename, result: { engine: 'pg-mem', steps: [] } });
  await new Promise(() => {});
};
`,
      },
      { timeoutMs: 8000 },
    );
    expect(findings).toContainEqual(expect.stringMatching(/^001_forger_hangs\.js:\d+ -: This migration did not finish within [\d.]+ s \(during down[,)]/));
  }, 120_000);
});

describe('one hostile file is a finding on that file; every other file is still reported', () => {
  const good = guardedTable('customers');
  const broken = `exports.up = async (knex) => { await knex.schema.createTable('orders', (t) => { t.increments('id'); }); };
exports.down = async () => {};
`;

  it('process.exit() in up', async () => {
    const { findings } = await lintProject({ '001_exits.js': `exports.up = async () => { process.exit(0); };\nexports.down = async () => {};\n`, '002_good.js': good, '003_broken.js': broken });
    expect(findings).toContainEqual(expect.stringMatching(/^001_exits\.js:1 -: This migration stopped the check \(during up\): it ended the process running it \(exit code 0/));
    expect(findings.filter((f) => f.startsWith('003_broken.js')).length).toBeGreaterThan(0);
  }, 120_000);

  it('an unhandled rejection after up returned', async () => {
    const { findings } = await lintProject({
      '001_floats.js': `exports.up = async () => { setTimeout(() => Promise.reject(new Error('late failure')), 0); await new Promise((r) => setTimeout(r, 50)); };\nexports.down = async () => {};\n`,
      '002_good.js': good,
      '003_broken.js': broken,
    });
    // Caught in the sandboxed process while up is watched: the migration's floating-query finding, not the end of the run.
    expect(findings).toContainEqual(expect.stringMatching(/^001_floats\.js:1 floating-query: .*late failure/));
    expect(findings.filter((f) => f.startsWith('003_broken.js')).length).toBeGreaterThan(0);
  }, 120_000);

  it('Buffers allocated past the memory cap (outside the JavaScript heap)', async () => {
    const { findings } = await lintProject(
      {
        '001_buffers.js': `exports.up = async () => { const kept = []; for (;;) { kept.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((r) => setImmediate(r)); } };\nexports.down = async () => {};\n`,
        '002_good.js': good,
        '003_broken.js': broken,
      },
      { memoryMb: 256 },
    );
    expect(findings).toContainEqual(expect.stringMatching(/^001_buffers\.js:1 -: This migration used more than 256 MB of memory \(during up\)/));
    expect(findings.filter((f) => f.startsWith('003_broken.js')).length).toBeGreaterThan(0);
  }, 120_000);

  it('a hang in up', async () => {
    const { findings } = await lintProject({ '001_hangs.js': `exports.up = () => new Promise(() => {});\nexports.down = async () => {};\n`, '002_good.js': good, '003_broken.js': broken }, { timeoutMs: 3000 });
    expect(findings).toContainEqual(expect.stringMatching(/^001_hangs\.js:1 -: This migration did not finish within [\d.]+ s \(during up[,)]/));
    expect(findings.filter((f) => f.startsWith('003_broken.js')).length).toBeGreaterThan(0);
  }, 120_000);
});
