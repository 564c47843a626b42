import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;

const knexCreateUsers = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`;

// The local Postgres really listens on 127.0.0.1:5432: without the sandbox these connections succeed.
const knexOwnConnection = `${knexHeader}import pg from 'pg';

export async function up(knex: Knex): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await client.connect();
  await client.query('CREATE TABLE IF NOT EXISTS audit_log (id serial PRIMARY KEY)');
  await client.end();
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`;

const knexSwallowedConnection = `${knexHeader}import pg from 'pg';

export async function up(knex: Knex): Promise<void> {
  try {
    await new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' }).connect();
  } catch {
    // The author assumed the audit database is optional.
  }
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`;

const knexConnectOnLoad = `${knexHeader}import net from 'node:net';

const probe = net.connect(5432, '127.0.0.1');
probe.on('error', () => undefined);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('audit_log', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_log');
}
`;

const pgmOwnClient = `import pg from 'pg';
import type { MigrationBuilder } from 'node-pg-migrate';

export async function up(pgm: MigrationBuilder): Promise<void> {
  const pool = new pg.Pool({ host: 'localhost', port: 5432, user: 'postgres', database: 'test' });
  await pool.query('SELECT 1').catch(() => undefined);
  pgm.createTable('audit_log', { id: 'id' }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('audit_log', { ifExists: true });
}
`;

ruleTester.run('sandbox-violation', {
  valid: [
    { name: 'uses only the knex object it is given', framework: 'knex', files: { '20240101120000_create_users.ts': knexCreateUsers } },
  ],
  invalid: [
    {
      name: 'queries through its own pg pool, catching the failure',
      framework: 'node-pg-migrate',
      files: { '1700000000000_audit-log.ts': pgmOwnClient },
      errors: [{ messageId: 'connects', message: /localhost:5432 during up;/, line: 6 }],
    },
    {
      name: 'opens its own pg connection to 127.0.0.1:5432 in up',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexOwnConnection },
      errors: [{ messageId: 'connects', message: /127\.0\.0\.1:5432 during up;/, line: 6, severity: 2 }],
    },
    {
      name: 'swallows the refused connection and carries on',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexSwallowedConnection },
      errors: [{ messageId: 'connects', message: /127\.0\.0\.1:5432 during up;/, line: 6 }],
    },
    {
      name: 'an earlier migration is clean; the reported one connects while loading',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexCreateUsers, '20240102120000_probe.ts': knexConnectOnLoad },
      errors: [{ messageId: 'connects', message: /127\.0\.0\.1:5432 during loading;/, line: 4 }],
    },
  ],
});
