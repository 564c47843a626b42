// Every way a database URL can be wrong ends in one line naming the problem and exit 2, on every
// command that takes one: never a hang, never "(internal error …)".
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeBackup } from '../../src/deploy/backup.js';
import { createAccounts, createDatabase, knexProject, repo, serverReachable } from '../deploy/helpers.js';
import { expectOneLine, rollsafe, type CliRun } from './run-cli.js';

const reachable = await serverReachable();
const servers: Server[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

async function listen(onSocket: (socket: Socket) => void): Promise<number> {
  const server = createServer(onSocket);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

/** A server that takes the TCP connection and never says a word. */
const silentServer = () => listen((socket) => socket.on('error', () => undefined));

/** Speaks just enough of the Postgres protocol to ask for a password and refuse it, as a real server with a wrong password does. */
const refusingServer = () =>
  listen((socket) => {
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let started = false;
    let user = '';
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (true) {
        const header = started ? 5 : 4;
        if (buffer.length < header) return;
        const length = started ? buffer.readInt32BE(1) + 1 : buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (!started) {
          const code = message.readInt32BE(4);
          // SSLRequest or GSSENCRequest: not here.
          if (code === 80877103 || code === 80877104) {
            socket.write('N');
            continue;
          }
          const params = message.subarray(8).toString('utf8').split('\0');
          user = params[params.indexOf('user') + 1] ?? '';
          started = true;
          const cleartext = Buffer.alloc(9);
          cleartext.write('R', 0);
          cleartext.writeInt32BE(8, 1);
          cleartext.writeInt32BE(3, 5);
          socket.write(cleartext);
        } else if (message[0] === 'p'.charCodeAt(0)) {
          const fields = Buffer.from(`SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "${user}"\0\0`);
          const error = Buffer.alloc(5);
          error.write('E', 0);
          error.writeInt32BE(fields.length + 4, 1);
          socket.end(Buffer.concat([error, fields]));
        }
      }
    });
  });

describe.skipIf(!reachable)('bad database URLs: one line, exit 2, on every command', { timeout: 300_000 }, () => {
  let project: string;
  let backup: string;
  const commands: Record<string, (url: string) => string[]> = {
    'lint --engine postgres': (url) => ['lint', 'migrations/20240101000000_accounts.js', '--engine', 'postgres', '--database-url', url],
    deploy: (url) => ['deploy', '--database-url', url, '--', 'true'],
    restore: (url) => ['restore', backup, '--database-url', url, '--yes'],
    'verify-backup': (url) => ['verify-backup', backup, '--database-url', url],
    'drift --from --to': (url) => ['drift', '--from', url, '--to', url],
    'drift --database-url': (url) => ['drift', '--database-url', url],
  };
  const onEveryCommand = async (url: string): Promise<[string, CliRun][]> =>
    Promise.all(Object.entries(commands).map(async ([name, args]) => [name, await rollsafe(args(url), { cwd: project })] as [string, CliRun]));

  beforeAll(async () => {
    project = knexProject({ '20240101000000_accounts.js': createAccounts });
    const source = await createDatabase('errors_src');
    cleanups.push(source.drop);
    backup = (await takeBackup(source.db, { dir: mkdtempSync(join(tmpdir(), 'rollsafe-errors-')), serverVersion: '15' })).path;
  });

  it('a server that accepts TCP but never answers: gives up after connect_timeout', async () => {
    const port = await silentServer();
    for (const [name, run] of await onEveryCommand(`postgres://app@127.0.0.1:${port}/app?connect_timeout=2`)) {
      expect(name && run.stderr).toMatch(new RegExp(`^rollsafe: the Postgres server at 127\\.0\\.0\\.1:${port} did not answer within 2 s \\(connect_timeout\\)\\n$`));
      expectOneLine(run, /did not answer/);
    }
  });

  it('a URL that is not one', async () => {
    for (const [name, run] of await onEveryCommand('not a url')) {
      const option = name === 'drift --from --to' ? '--from' : '--database-url';
      expect(name && run.stderr).toBe(`rollsafe: ${option} is not a URL (expected postgres://user@host:5432/database)\n`);
      expectOneLine(run, /is not a URL/);
    }
  });

  it('an unknown role on the real server', async () => {
    for (const [name, run] of await onEveryCommand('postgres://nobody_rollsafe_h13@127.0.0.1:5432/postgres')) {
      expect(name && run.stderr).toMatch(/^rollsafe: the server at 127\.0\.0\.1:5432 refused the credentials of user "nobody_rollsafe_h13"\n$/);
      expectOneLine(run, /refused the credentials/);
    }
  });

  it('a wrong password (a server that asks for one and refuses it); the password is never printed', async () => {
    const port = await refusingServer();
    for (const [name, run] of await onEveryCommand(`postgres://app:hunter2-secret@127.0.0.1:${port}/app`)) {
      expect(name && run.stderr).toMatch(new RegExp(`^rollsafe: the server at 127\\.0\\.0\\.1:${port} refused the credentials of user "app"\\n$`));
      expectOneLine(run, /refused the credentials/);
      expect(run.stderr + run.stdout).not.toContain('hunter2');
    }
  });

  it('a server that refuses the connection, and a database that does not exist', async () => {
    for (const [name, run] of await onEveryCommand('postgres://postgres@127.0.0.1:1/app')) {
      expect(name && run.stderr).toMatch(/^rollsafe: cannot reach the Postgres server at 127\.0\.0\.1:1\n$/);
      expectOneLine(run, /cannot reach/);
    }
    const lint = await rollsafe(commands['lint --engine postgres']('postgres://postgres@127.0.0.1:5432/no_such_db_rollsafe_h13'), { cwd: project });
    expectOneLine(lint, /^rollsafe: database "no_such_db_rollsafe_h13" does not exist on 127\.0\.0\.1:5432\n$/);
  });
});

describe('the postgres engine without the `pg` package', { timeout: 120_000 }, () => {
  it('says to install it, in one line', async () => {
    // rollsafe's sources beside a node_modules that has everything but pg, run in a project that has no pg either.
    const copy = mkdtempSync(join(tmpdir(), 'rollsafe-without-pg-'));
    for (const entry of ['src', 'rules', 'package.json', 'tsconfig.json']) cpSync(join(repo, entry), join(copy, entry), { recursive: true });
    mkdirSync(join(copy, 'node_modules'));
    for (const name of readdirSync(join(repo, 'node_modules'))) {
      if (name !== 'pg' && name !== '.bin') symlinkSync(join(repo, 'node_modules', name), join(copy, 'node_modules', name));
    }
    const project = mkdtempSync(join(tmpdir(), 'rollsafe-project-without-pg-'));
    writeFileSync(join(project, 'package.json'), '{"name":"app"}');
    mkdirSync(join(project, 'migrations'));
    writeFileSync(join(project, 'migrations', '20240101000000_a.js'), createAccounts);
    const run = await rollsafe(['lint', 'migrations/20240101000000_a.js', '--engine', 'postgres', '--database-url', 'postgres://postgres@127.0.0.1:5432/postgres'], {
      cwd: project,
      entry: join(copy, 'src/cli.ts'),
    });
    expectOneLine(run, /^rollsafe: the postgres engine needs the `pg` package: npm install --save-dev pg\n$/);
  });
});

describe('--output-file in a folder that cannot take it', { timeout: 120_000 }, () => {
  it('is said in one line before anything runs', async () => {
    const project = knexProject({ '20240101000000_accounts.js': createAccounts });
    writeFileSync(join(project, 'a-file'), '');
    mkdirSync(join(project, 'a-folder'));
    const lint = (output: string) => rollsafe(['lint', 'migrations/20240101000000_accounts.js', '--output-file', output], { cwd: project });
    const [missing, underFile, folder] = await Promise.all([lint('no/such/folder/report.txt'), lint('a-file/report.txt'), lint('a-folder')]);
    expectOneLine(missing, /^rollsafe: cannot write the report to no\/such\/folder\/report\.txt: .*\/no\/such\/folder does not exist\n$/);
    expectOneLine(underFile, /^rollsafe: cannot write the report to a-file\/report\.txt: .*\/a-file is not a folder\n$/);
    expectOneLine(folder, /^rollsafe: cannot write the report to a-folder: it is a folder\n$/);
  });
});
