import { describe, expect, it } from 'vitest';
import { describeChanges, diffSnapshots } from './diff.js';
import { emptySnapshot, normaliseType, type SchemaSnapshot } from './snapshot.js';

function usersSchema(): SchemaSnapshot {
  const snapshot = emptySnapshot();
  snapshot.tables.users = {
    columns: { id: { type: 'integer', nullable: false }, status: { type: 'text', nullable: true } },
    primaryKey: { name: 'users_pkey', columns: ['id'] },
    uniques: { users_status_key: { columns: ['status'] } },
    foreignKeys: {},
    checks: { users_status_check: { expression: "status <> ''" } },
  };
  snapshot.indexes.users_status_idx = { table: 'users', columns: ['status'], unique: false, method: 'btree' };
  snapshot.enums.mood = ['sad', 'happy'];
  snapshot.views.active_users = { definition: 'SELECT id FROM users', materialized: false };
  return snapshot;
}

describe('diffSnapshots', () => {
  it('finds nothing between equal snapshots', () => {
    expect(diffSnapshots(usersSchema(), usersSchema())).toEqual([]);
  });

  it('names columns, constraints, indexes, enums and views that changed', () => {
    const after = usersSchema();
    after.tables.users.columns.status = { type: 'varchar(20)', nullable: false };
    after.tables.users.columns.email = { type: 'text', nullable: true };
    delete after.tables.users.uniques.users_status_key;
    after.tables.users.uniques.users_status_unique = { columns: ['status'] };
    delete after.indexes.users_status_idx;
    after.enums.mood = ['sad', 'happy', 'meh'];
    after.views.active_users = { definition: 'SELECT id, status FROM users', materialized: false };
    expect(diffSnapshots(usersSchema(), after)).toEqual([
      { kind: 'changed', object: 'enum mood', detail: 'labels (sad, happy) -> (sad, happy, meh)' },
      { kind: 'changed', object: 'column users.status', detail: 'type text -> varchar(20), nullable -> not null' },
      { kind: 'added', object: 'column users.email' },
      { kind: 'removed', object: 'unique constraint users_status_key on users' },
      { kind: 'added', object: 'unique constraint users_status_unique on users' },
      { kind: 'removed', object: 'index users_status_idx' },
      { kind: 'changed', object: 'view active_users', detail: 'definition SELECT id FROM users -> SELECT id, status FROM users' },
    ]);
  });

  it('reports a dropped table once, not column by column', () => {
    expect(diffSnapshots(usersSchema(), { ...usersSchema(), tables: {} })).toEqual([{ kind: 'removed', object: 'table users' }]);
  });
});

describe('describeChanges', () => {
  it('says every change in one sentence, in the caller\'s words', () => {
    const sentence = describeChanges(
      [
        { kind: 'added', object: 'column users.status' },
        { kind: 'removed', object: 'index users_email_idx' },
        { kind: 'changed', object: 'column users.age', detail: 'type integer -> bigint' },
      ],
      { added: 'is still there', removed: 'is missing', changed: 'is not as before' },
    );
    expect(sentence).toBe('column users.status is still there; index users_email_idx is missing; column users.age is not as before (type integer -> bigint)');
  });

  it('caps long lists with "and N more"', () => {
    const changes = Array.from({ length: 7 }, (_, i) => ({ kind: 'added' as const, object: `table t${i}` }));
    expect(describeChanges(changes, { limit: 3 })).toBe('table t0 is still there; table t1 is still there; table t2 is still there; and 4 more');
  });
});

describe('normaliseType', () => {
  it.each([
    ['int4', 'integer'],
    ['character varying(20)', 'varchar(20)'],
    ['timestamp(3) with time zone', 'timestamptz(3)'],
    ['timestamp with time zone', 'timestamptz'],
    ['_text', 'text[]'],
    ['character varying[]', 'varchar[]'],
    ['numeric(10, 2)', 'numeric(10,2)'],
  ])('%s -> %s', (raw, normal) => {
    expect(normaliseType(raw)).toBe(normal);
  });
});
