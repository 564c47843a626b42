// How a folder of code migrations gives its framework away: the packages the project depends on,
// and what the files themselves say. Ordered most specific first (a MikroORM 6 migration may
// mention knex; a TypeORM one never mentions Kysely).
import type { FrameworkName } from '../types.js';

export interface FrameworkSignature {
  framework: FrameworkName;
  /** Packages in package.json that mean the project uses the framework. */
  packages: string[];
  /** Text found in the framework's migration files and (near enough) nobody else's. */
  text: RegExp;
}

export const codeSignatures: FrameworkSignature[] = [
  {
    framework: 'typeorm',
    packages: ['typeorm'],
    text: /\bMigrationInterface\b|\bQueryRunner\b|from\s+['"]typeorm['"]|require\(\s*['"]typeorm['"]\s*\)/,
  },
  {
    framework: 'mikro-orm',
    packages: ['@mikro-orm/migrations', '@mikro-orm/core'],
    text: /@mikro-orm\/|\bthis\.addSql\s*\(/,
  },
  {
    framework: 'kysely',
    packages: ['kysely'],
    text: /from\s+['"]kysely['"]|require\(\s*['"]kysely['"]\s*\)|\bKysely<|\bdb\.schema\s*\./,
  },
  {
    framework: 'sequelize',
    packages: ['sequelize', 'sequelize-cli', '@sequelize/core', 'umzug'],
    text: /\bqueryInterface\b|\bQueryInterface\b|['"](?:@sequelize\/core|sequelize)['"]/,
  },
  {
    framework: 'node-pg-migrate',
    packages: ['node-pg-migrate'],
    text: /\bpgm\.|\bMigrationBuilder\b/,
  },
  {
    framework: 'knex',
    packages: ['knex'],
    text: /\bknex\b|\bKnex\b/,
  },
];

/** The framework most of the sampled files name; ties go to the more specific signature. */
export function frameworkFromText(sources: string[]): FrameworkName | undefined {
  const votes = new Map<FrameworkName, number>();
  for (const source of sources) {
    const match = codeSignatures.find((signature) => signature.text.test(source));
    if (match) votes.set(match.framework, (votes.get(match.framework) ?? 0) + 1);
  }
  let best: FrameworkName | undefined;
  for (const { framework } of codeSignatures) {
    if ((votes.get(framework) ?? 0) > (best ? votes.get(best)! : 0)) best = framework;
  }
  return best;
}

/** The frameworks the project declares among its dependencies, most specific first. */
export function frameworksFromPackages(dependencies: Set<string>): FrameworkName[] {
  return codeSignatures
    .filter((signature) => signature.packages.some((name) => dependencies.has(name)))
    .map((signature) => signature.framework);
}

/** What the files of a folder say about their framework, in words for `rollsafe sets`. */
export const signatureWords: Record<FrameworkName, string> = {
  typeorm: 'classes implementing MigrationInterface (up(queryRunner))',
  'mikro-orm': 'classes extending Migration (@mikro-orm)',
  kysely: 'up(db: Kysely) functions',
  sequelize: 'up(queryInterface) functions',
  'node-pg-migrate': 'up(pgm) functions',
  knex: 'up(knex) functions',
  'golang-migrate': 'NNN_name.up.sql / .down.sql files',
  dbmate: '-- migrate:up sections',
  alembic: 'revision = "…" / down_revision files importing alembic',
  diesel: '<version>_<name>/up.sql + down.sql folders',
};
