import { describe, expect, it } from 'vitest';
import { otherDatabase, parseDatabaseUrl } from './server.js';

describe('parseDatabaseUrl', () => {
  it('reads a URL with no host part, the server named by ?host= (a unix socket, Cloud SQL), which WHATWG URL refuses', () => {
    const database = parseDatabaseUrl('postgres://root@/postgres?host=/var/run/postgresql');
    expect(database.env).toMatchObject({ PGHOST: '/var/run/postgresql', PGUSER: 'root', PGDATABASE: 'postgres' });
    expect(otherDatabase(database, 'scratch').safeUrl).toBe('postgres://root@/scratch?host=/var/run/postgresql');
  });

  it('keeps the password out of the printable URL and hands it to the tools decoded', () => {
    const database = parseDatabaseUrl('postgresql://app:s%40cret@db.internal:6432/shop?sslmode=require');
    expect(database.safeUrl).toBe('postgresql://app@db.internal:6432/shop?sslmode=require');
    expect(database.env).toMatchObject({ PGHOST: 'db.internal', PGPORT: '6432', PGPASSWORD: 's@cret', PGSSLMODE: 'require' });
    expect(otherDatabase(database, 'rollsafe_1').safeUrl).toBe('postgresql://app@db.internal:6432/rollsafe_1?sslmode=require');
  });

  it('says in one line what is wrong with a value that is not a postgres URL', () => {
    expect(() => parseDatabaseUrl('localhost:5432')).toThrow(/--database-url is not a URL/);
    expect(() => parseDatabaseUrl('mysql://root@localhost/db')).toThrow(/must start with postgres:\/\/, not mysql:\/\//);
  });
});
