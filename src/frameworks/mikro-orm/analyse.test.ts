import { describe, expect, it } from 'vitest';
import { analyseMikroOrmSource } from './analyse.js';

async function summary(code: string, file = '/m/Migration20240101000000.ts') {
  const model = await analyseMikroOrmSource(code, file);
  return {
    model,
    operations: model.operations.map((o) => ({ kind: o.kind, target: o.target, guarded: o.guarded, line: o.loc.line, direction: o.direction })),
  };
}

describe('analyseMikroOrmSource', () => {
  it('reads generated addSql templates: unguarded create table and constraint, at their lines', async () => {
    const { model, operations } = await summary(`import { Migration } from '@mikro-orm/migrations';

export class Migration20240101000000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(\`create table "user" ("id" serial primary key, "email" varchar(255) not null);\`);
    this.addSql(\`alter table "user" add constraint "user_email_unique" unique ("email");\`);
  }

  override async down(): Promise<void> {
    this.addSql(\`drop table if exists "user" cascade;\`);
  }

}
`);
    expect(operations).toEqual([
      { kind: 'CREATE TABLE', target: 'user', guarded: false, line: 6, direction: 'up' },
      { kind: 'ALTER TABLE ADD CONSTRAINT', target: 'user.user_email_unique', guarded: false, line: 7, direction: 'up' },
      { kind: 'DROP TABLE', target: 'user', guarded: true, line: 11, direction: 'down' },
    ]);
    expect(model.up).toMatchObject({ line: 5 });
    expect(model.down).toMatchObject({ status: 'present', empty: false, loc: { line: 10 } });
    expect(model.transactional).toBe(true);
  });

  it('a drop … if exists queued earlier guards the add constraint that follows it', async () => {
    const { operations } = await summary(`import { Migration } from '@mikro-orm/migrations';
export class M extends Migration {
  async up() {
    this.addSql('alter table "book" drop constraint if exists "book_author_id_foreign";');
    this.addSql('alter table "book" add constraint "book_author_id_foreign" foreign key ("author_id") references "author" ("id");');
    this.addSql('alter table "book" add constraint "book_other_foreign" foreign key ("other_id") references "other" ("id");');
  }
  async down() { this.addSql('alter table "book" drop constraint if exists "book_author_id_foreign";'); }
}
`);
    expect(operations.filter((o) => o.direction === 'up' && o.kind === 'ALTER TABLE ADD CONSTRAINT').map((o) => [o.target, o.guarded])).toEqual([
      ['book.book_author_id_foreign', true],
      ['book.book_other_foreign', false],
    ]);
  });

  it('catalog reads through this.execute guard the statements that branch on them; other tables stay unguarded', async () => {
    const { operations } = await summary(`import { Migration } from '@mikro-orm/migrations';
export class M extends Migration {
  async up() {
    const rows = await this.execute("select 1 from information_schema.columns where table_name = 'book' and column_name = 'isbn'");
    if (rows.length === 0) {
      this.addSql('alter table "book" add column "isbn" varchar(13);');
      this.addSql('create unique index "book_isbn_unique" on "book" ("isbn");');
      this.addSql('create table "audit" ("id" serial);');
    }
    if (await this.getKnex().schema.hasTable('tag')) return;
    this.addSql('create table "tag" ("id" serial);');
  }
  async down() { this.addSql('drop table if exists "tag";'); }
}
`);
    expect(operations.filter((o) => o.direction === 'up').map((o) => [o.target, o.guarded])).toEqual([
      ['book.isbn', true],
      ['book_isbn_unique', true],
      ['audit', false],
      ['tag', true],
    ]);
  });

  it('isTransactional() returning false, a missing down, compiled CommonJS', async () => {
    const { model, operations } = await summary(
      `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const migrations_1 = require("@mikro-orm/migrations");
class Migration20240101000000 extends migrations_1.Migration {
    isTransactional() { return false; }
    async up() {
        this.addSql('create index concurrently if not exists "book_title_index" on "book" ("title");');
    }
}
exports.Migration20240101000000 = Migration20240101000000;
`,
      '/m/Migration20240101000000.js',
    );
    expect(model.transactional).toBe(false);
    expect(model.down).toMatchObject({ status: 'missing', loc: { line: 1 } });
    expect(operations).toEqual([{ kind: 'CREATE INDEX', target: 'book_title_index', guarded: true, line: 7, direction: 'up' }]);
  });

  it('knex schema builders (MikroORM 6 getKnex): createTable needs a guard, createTableIfNotExists does not', async () => {
    const { operations, model } = await summary(`import { Migration } from '@mikro-orm/migrations';
export class M extends Migration {
  async up() {
    const knex = this.getKnex();
    this.addSql(knex.schema.createTable('tag', (t) => t.increments('id')).toQuery());
    this.addSql(knex.schema.createTableIfNotExists('label', (t) => t.increments('id')).toQuery());
  }
  async down() {}
}
`);
    expect(operations).toEqual([
      { kind: 'knex.schema.createTable', target: 'tag', guarded: false, line: 5, direction: 'up' },
      { kind: 'knex.schema.createTableIfNotExists', target: 'label', guarded: true, line: 6, direction: 'up' },
    ]);
    expect(model.down).toMatchObject({ status: 'present', empty: true, loc: { line: 8 } });
  });
});
