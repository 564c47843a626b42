import { describe, expect, it } from 'vitest';
import { frameworkFromText, frameworksFromPackages } from './signatures.js';

describe('frameworkFromText', () => {
  it.each([
    ['typeorm', `import { MigrationInterface, QueryRunner } from "typeorm";\nexport class Init1700000000000 implements MigrationInterface {}`],
    ['mikro-orm', `import { Migration } from '@mikro-orm/migrations';\nexport class Migration20240101 extends Migration { async up() { this.addSql('select 1'); } }`],
    ['kysely', `import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>) { await db.schema.createTable('t').execute(); }`],
    ['sequelize', `module.exports = { async up(queryInterface, Sequelize) { await queryInterface.createTable('t', {}); } };`],
    ['node-pg-migrate', `exports.up = (pgm) => { pgm.createTable('t', {}); };`],
    ['knex', `exports.up = (knex) => knex.schema.createTable('t', () => {});`],
  ] as const)('recognises a %s migration', (framework, source) => {
    expect(frameworkFromText([source])).toBe(framework);
  });

  it('lets the majority of files decide, and says nothing about files it does not know', () => {
    const knex = `exports.up = (knex) => knex.schema.dropTable('t');`;
    const pgm = `exports.up = (pgm) => pgm.dropTable('t');`;
    expect(frameworkFromText([knex, pgm, knex])).toBe('knex');
    expect(frameworkFromText(['export const answer = 42;'])).toBeUndefined();
  });
});

describe('frameworksFromPackages', () => {
  it('names every framework the project depends on, most specific first', () => {
    expect(frameworksFromPackages(new Set(['knex', '@mikro-orm/core', 'express']))).toEqual(['mikro-orm', 'knex']);
    expect(frameworksFromPackages(new Set(['umzug']))).toEqual(['sequelize']);
  });
});
