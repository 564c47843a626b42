import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsTypeormMigration, listTypeormMigrations, migrationName, migrationTimestamp } from './discover.js';

const migration = (className: string, extra = '') => `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
${extra}  public async up(queryRunner: QueryRunner): Promise<void> {}
  public async down(queryRunner: QueryRunner): Promise<void> {}
}
`;

describe('listTypeormMigrations', () => {
  it('orders by the timestamp at the end of the name, as MigrationExecutor.getMigrations does, not by file name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-typeorm-'));
    await writeFile(join(dir, '1700000200000-AddNickname.ts'), migration('AddNickname1700000200000'));
    // A file name that sorts first but a class whose timestamp is the latest.
    await writeFile(join(dir, '0001-init.ts'), migration('Init1700000300000'));
    await writeFile(join(dir, '1700000100000-CreateUsers.js'), migration('CreateUsers1700000100000').replace(/: \w+/g, '').replace(/ implements \w+/, ''));
    await writeFile(join(dir, 'index.d.ts'), 'export declare class X1700000000000 { up(queryRunner: QueryRunner): Promise<void>; }');
    await writeFile(join(dir, 'README.md'), '# migrations');
    await writeFile(join(dir, 'helpers.ts'), 'export const quote = (name: string) => `"${name}"`;');
    await mkdir(join(dir, 'archive.ts'));
    const listed = await listTypeormMigrations(dir);
    expect(listed.map((m) => m.id)).toEqual(['CreateUsers1700000100000', 'AddNickname1700000200000', 'Init1700000300000']);
    expect(listed[2].path).toBe(join(dir, '0001-init.ts'));
  });

  it('takes the `name` property a generated migration sets over the class name (the migrations table records it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-typeorm-'));
    await writeFile(join(dir, 'a.ts'), migration('Renamed', "  name = 'AddOrders1700000500000';\n"));
    await writeFile(join(dir, 'b.cjs'), `class CreateUsers1700000100000 {
    constructor() {
        this.name = 'CreateUsers1700000100000';
    }
    async up(queryRunner) {}
    async down(queryRunner) {}
}
exports.CreateUsers1700000100000 = CreateUsers1700000100000;
`);
    expect((await listTypeormMigrations(dir)).map((m) => m.id)).toEqual(['CreateUsers1700000100000', 'AddOrders1700000500000']);
  });

  it('keeps a name without a timestamp (TypeORM refuses it), last', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-typeorm-'));
    await writeFile(join(dir, 'a.ts'), migration('Init'));
    await writeFile(join(dir, 'b.ts'), migration('CreateUsers1700000100000'));
    expect((await listTypeormMigrations(dir)).map((m) => m.id)).toEqual(['CreateUsers1700000100000', 'Init']);
  });
});

describe('migration names', () => {
  it('reads the timestamp from the last 13 characters', () => {
    expect(migrationTimestamp('CreateUsers1700000100000')).toBe(1700000100000);
    expect(migrationTimestamp('Init')).toBeNaN();
  });
  it('prefers `name = …` to the class name', () => {
    expect(migrationName(migration('A1700000000000', "  public name = 'B1700000000001';\n"))).toBe('B1700000000001');
    expect(migrationName(migration('A1700000000000'))).toBe('A1700000000000');
  });
});

describe('claimsTypeormMigration', () => {
  it('claims classes with up(queryRunner)', () => {
    expect(claimsTypeormMigration('m.ts', migration('A1700000000000'))).toBe(true);
    expect(claimsTypeormMigration('m.js', 'class A1 { async up(queryRunner) { await queryRunner.query("select 1"); } }')).toBe(true);
  });
  it('leaves knex, node-pg-migrate, declarations and non-migrations alone', () => {
    expect(claimsTypeormMigration('m.ts', "export async function up(knex) { await knex.schema.createTable('a', () => {}); }")).toBe(false);
    expect(claimsTypeormMigration('m.js', "exports.up = (pgm) => { pgm.createTable('a', {}); };")).toBe(false);
    expect(claimsTypeormMigration('m.d.ts', migration('A1700000000000'))).toBe(false);
    expect(claimsTypeormMigration('m.ts', 'export class UserService { up() {} }')).toBe(false);
  });
});
