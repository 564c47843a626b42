// Which DDL statements fail or duplicate on a second run, whether they carry a guard, and how to add one.

type Node = Record<string, any>;

/** One schema change of a statement, before it is placed in a file. */
export interface GuardVerdict {
  kind: string;
  target?: string;
  needsGuard: boolean;
  guarded: boolean;
  fix?: string;
}

/**
 * Reads statements of one migration in order. It remembers objects dropped with IF EXISTS, because
 * `DROP … IF EXISTS x; CREATE … x` is the idiomatic guard for objects Postgres has no IF NOT EXISTS for.
 */
export class GuardReader {
  private readonly droppedIfExists = new Set<string>();

  /** The schema changes of one statement (none for DML, DO blocks and other re-runnable statements). */
  read(node: unknown, sql: string): GuardVerdict[] {
    // A fix is only worth showing for a statement that still lacks its guard.
    return this.classify(node, sql).map(({ fix, ...verdict }) => (verdict.guarded || !verdict.needsGuard || !fix ? verdict : { ...verdict, fix }));
  }

  private classify(node: unknown, sql: string): GuardVerdict[] {
    const [type, body] = Object.entries((node ?? {}) as Node)[0] ?? [];
    if (!type) return [];
    switch (type) {
      case 'CreateStmt':
        return [this.create('CREATE TABLE', 'TABLE', relationName(body.relation), body.if_not_exists, sql, createTablePrefix)];
      case 'CreateForeignTableStmt':
        return [this.create('CREATE FOREIGN TABLE', 'TABLE', relationName(body.base?.relation), body.base?.if_not_exists, sql, /^CREATE\s+FOREIGN\s+TABLE\s+/i)];
      case 'CreateTableAsStmt': {
        const view = body.objtype === 'OBJECT_MATVIEW';
        return [
          this.create(
            view ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS',
            view ? 'MATERIALIZED VIEW' : 'TABLE',
            relationName(body.into?.rel),
            body.if_not_exists,
            sql,
            view ? /^CREATE\s+MATERIALIZED\s+VIEW\s+/i : createTablePrefix,
          ),
        ];
      }
      case 'IndexStmt':
        return [this.createIndex(body, sql)];
      case 'CreateSeqStmt':
        return [this.create('CREATE SEQUENCE', 'SEQUENCE', relationName(body.sequence), body.if_not_exists, sql, /^CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?SEQUENCE\s+/i)];
      case 'CreateSchemaStmt':
        return [this.create('CREATE SCHEMA', 'SCHEMA', body.schemaname, body.if_not_exists, sql, /^CREATE\s+SCHEMA\s+/i)];
      case 'CreateExtensionStmt':
        return [this.create('CREATE EXTENSION', 'EXTENSION', body.extname, body.if_not_exists, sql, /^CREATE\s+EXTENSION\s+/i)];
      case 'CreateStatsStmt':
        return [this.create('CREATE STATISTICS', 'STATISTICS', qualifiedName(body.defnames), body.if_not_exists, sql, /^CREATE\s+STATISTICS\s+/i)];
      case 'ViewStmt':
        return [this.createOrReplace('CREATE VIEW', 'VIEW', relationName(body.view), body.replace, sql)];
      case 'CreateFunctionStmt': {
        const kind = body.is_procedure ? 'PROCEDURE' : 'FUNCTION';
        return [this.createOrReplace(`CREATE ${kind}`, kind, qualifiedName(body.funcname), body.replace, sql)];
      }
      case 'CreateTrigStmt':
        return [this.createOrReplace('CREATE TRIGGER', 'TRIGGER', `${relationName(body.relation)}.${body.trigname}`, body.replace, sql)];
      case 'RuleStmt':
        return [this.createOrReplace('CREATE RULE', 'RULE', `${relationName(body.relation)}.${body.rulename}`, body.replace, sql)];
      case 'CreateEnumStmt':
      case 'CreateRangeStmt':
        return [this.createWithoutGuard('CREATE TYPE', 'TYPE', qualifiedName(body.typeName), sql, doBlockIgnoring('duplicate_object', sql))];
      case 'CompositeTypeStmt':
        return [this.createWithoutGuard('CREATE TYPE', 'TYPE', relationName(body.typevar), sql, doBlockIgnoring('duplicate_object', sql))];
      case 'DefineStmt':
        return body.kind === 'OBJECT_TYPE'
          ? [this.createWithoutGuard('CREATE TYPE', 'TYPE', qualifiedName(body.defnames), sql, doBlockIgnoring('duplicate_object', sql))]
          : [];
      case 'CreateDomainStmt':
        return [this.createWithoutGuard('CREATE DOMAIN', 'DOMAIN', qualifiedName(body.domainname), sql, doBlockIgnoring('duplicate_object', sql))];
      case 'CreatePolicyStmt': {
        const table = relationName(body.table);
        const fix = `DROP POLICY IF EXISTS ${body.policy_name} ON ${table}; ${oneLine(sql)}`;
        return [this.createWithoutGuard('CREATE POLICY', 'POLICY', `${table}.${body.policy_name}`, sql, fix)];
      }
      case 'CreateRoleStmt':
        return [this.createWithoutGuard('CREATE ROLE', 'ROLE', body.role, sql, doBlockIgnoring('duplicate_object', sql))];
      case 'CreatedbStmt':
        // No guard exists: CREATE DATABASE cannot run in a DO block either.
        return [{ kind: 'CREATE DATABASE', target: body.dbname, needsGuard: true, guarded: false }];
      case 'DropStmt':
        return this.drop(body, sql);
      case 'DropdbStmt':
        return [this.dropVerdict('DROP DATABASE', body.dbname, body.missing_ok, sql)];
      case 'DropRoleStmt':
        return [this.dropVerdict('DROP ROLE', (body.roles ?? []).map((role: Node) => role.RoleSpec?.rolename).join(', '), body.missing_ok, sql)];
      case 'AlterTableStmt':
        return this.alterTable(body, sql);
      case 'RenameStmt':
        return [rename(body, sql)];
      case 'AlterEnumStmt':
        return [alterEnum(body, sql)];
      default:
        // DML (INSERT/UPDATE/DELETE), DO blocks (the guard idiom itself), GRANT, COMMENT, SET…: not a
        // schema change that fails or duplicates on a second run, so no operation (no false findings).
        return [];
    }
  }

  private create(kind: string, object: string, target: string | undefined, ifNotExists: boolean | undefined, sql: string, prefix: RegExp): GuardVerdict {
    return {
      kind,
      target,
      needsGuard: true,
      guarded: Boolean(ifNotExists) || this.wasDropped(object, target),
      fix: insertAfter(sql, prefix, 'IF NOT EXISTS '),
    };
  }

  private createOrReplace(kind: string, object: string, target: string | undefined, replace: boolean | undefined, sql: string): GuardVerdict {
    return {
      kind,
      target,
      needsGuard: true,
      guarded: Boolean(replace) || this.wasDropped(object, target),
      fix: insertAfter(sql, /^CREATE\s+/i, 'OR REPLACE '),
    };
  }

  private createWithoutGuard(kind: string, object: string, target: string | undefined, sql: string, fix: string): GuardVerdict {
    return { kind, target, needsGuard: true, guarded: this.wasDropped(object, target), fix };
  }

  private createIndex(body: Node, sql: string): GuardVerdict {
    const table = relationName(body.relation);
    const prefix = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?/i;
    if (!body.idxname) {
      // Postgres names an unnamed index itself, so a second run adds a duplicate (`users_email_idx1`).
      const columns = (body.indexParams ?? []).map((param: Node) => param.IndexElem?.name ?? 'expr');
      const name = [unqualified(table), ...columns, 'idx'].join('_');
      return { kind: 'CREATE INDEX', target: table, needsGuard: true, guarded: false, fix: insertAfter(sql, prefix, `IF NOT EXISTS ${name} `) };
    }
    return {
      kind: 'CREATE INDEX',
      target: body.idxname,
      needsGuard: true,
      guarded: Boolean(body.if_not_exists) || this.wasDropped('INDEX', body.idxname),
      fix: insertAfter(sql, prefix, 'IF NOT EXISTS '),
    };
  }

  private drop(body: Node, sql: string): GuardVerdict[] {
    const object = objectWords(body.removeType);
    return (body.objects ?? []).map((item: Node) => {
      // Triggers, policies and rules come as [table, name], which reads as `table.name`.
      const target = nameOf(item);
      if (body.missing_ok) this.droppedIfExists.add(key(object, target));
      return this.dropVerdict(`DROP ${object}`, target, body.missing_ok, sql);
    });
  }

  private dropVerdict(kind: string, target: string | undefined, ifExists: boolean | undefined, sql: string): GuardVerdict {
    const prefix = /^DROP\s+(?:MATERIALIZED\s+VIEW|FOREIGN\s+TABLE|EVENT\s+TRIGGER|ACCESS\s+METHOD|TEXT\s+SEARCH\s+\w+|\w+)\s+(?:CONCURRENTLY\s+)?/i;
    return { kind, target, needsGuard: true, guarded: Boolean(ifExists), fix: insertAfter(sql, prefix, 'IF EXISTS ') };
  }

  private alterTable(body: Node, sql: string): GuardVerdict[] {
    const table = relationName(body.relation);
    const verdicts: GuardVerdict[] = [];
    for (const item of body.cmds ?? []) {
      const cmd: Node = item.AlterTableCmd ?? {};
      switch (cmd.subtype) {
        case 'AT_AddColumn': {
          const column = cmd.def?.ColumnDef?.colname;
          verdicts.push({
            kind: 'ALTER TABLE ADD COLUMN',
            target: `${table}.${column}`,
            needsGuard: true,
            guarded: Boolean(cmd.missing_ok),
            fix: insertAfter(sql, new RegExp(`\\bADD\\s+(?:COLUMN\\s+)?(?=${identifierPattern(column)})`, 'i'), 'IF NOT EXISTS '),
          });
          break;
        }
        case 'AT_DropColumn':
          verdicts.push({
            kind: 'ALTER TABLE DROP COLUMN',
            target: `${table}.${cmd.name}`,
            needsGuard: true,
            guarded: Boolean(cmd.missing_ok),
            fix: insertAfter(sql, new RegExp(`\\bDROP\\s+(?:COLUMN\\s+)?(?=${identifierPattern(cmd.name)})`, 'i'), 'IF EXISTS '),
          });
          break;
        case 'AT_DropConstraint':
          if (cmd.missing_ok) this.droppedIfExists.add(key('CONSTRAINT', `${table}.${cmd.name}`));
          verdicts.push({
            kind: 'ALTER TABLE DROP CONSTRAINT',
            target: `${table}.${cmd.name}`,
            needsGuard: true,
            guarded: Boolean(cmd.missing_ok),
            fix: insertAfter(sql, new RegExp(`\\bDROP\\s+CONSTRAINT\\s+(?=${identifierPattern(cmd.name)})`, 'i'), 'IF EXISTS '),
          });
          break;
        case 'AT_AddConstraint':
          verdicts.push(this.addConstraint(table, cmd.def?.Constraint ?? {}, sql));
          break;
        case 'AT_AlterColumnType':
          verdicts.push(rerunnable('ALTER TABLE ALTER COLUMN TYPE', `${table}.${cmd.name}`));
          break;
        case 'AT_SetNotNull':
          verdicts.push(rerunnable('ALTER TABLE ALTER COLUMN SET NOT NULL', `${table}.${cmd.name}`));
          break;
        case 'AT_DropNotNull':
          verdicts.push(rerunnable('ALTER TABLE ALTER COLUMN DROP NOT NULL', `${table}.${cmd.name}`));
          break;
        case 'AT_ColumnDefault':
          verdicts.push(rerunnable(cmd.def ? 'ALTER TABLE ALTER COLUMN SET DEFAULT' : 'ALTER TABLE ALTER COLUMN DROP DEFAULT', `${table}.${cmd.name}`));
          break;
      }
    }
    return verdicts;
  }

  private addConstraint(table: string | undefined, constraint: Node, sql: string): GuardVerdict {
    // Postgres has no ADD CONSTRAINT IF NOT EXISTS; unnamed ones get a fresh name each run and duplicate.
    const name: string = constraint.conname ?? defaultConstraintName(table, constraint);
    const target = `${table}.${name}`;
    const named = constraint.conname ? oneLine(sql) : oneLine(sql).replace(/\bADD\s+(?=CHECK|UNIQUE|PRIMARY|FOREIGN|EXCLUDE)/i, `ADD CONSTRAINT ${name} `);
    return {
      kind: 'ALTER TABLE ADD CONSTRAINT',
      target,
      needsGuard: true,
      guarded: Boolean(constraint.conname) && this.wasDropped('CONSTRAINT', target),
      fix: `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}; ${named}`,
    };
  }

  private wasDropped(object: string, target: string | undefined): boolean {
    return target !== undefined && this.droppedIfExists.has(key(object, target));
  }
}

const createTablePrefix = /^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+/i;

function rerunnable(kind: string, target: string): GuardVerdict {
  return { kind, target, needsGuard: false, guarded: false };
}

function rename(body: Node, sql: string): GuardVerdict {
  const relation = relationName(body.relation);
  const renamesRelation = ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE'].includes(body.renameType);
  if (renamesRelation) {
    // `ALTER TABLE IF EXISTS old RENAME TO new` skips with a notice once `old` is gone.
    return {
      kind: `ALTER ${objectWords(body.renameType)} RENAME`,
      target: relation,
      needsGuard: true,
      guarded: Boolean(body.missing_ok),
      fix: insertAfter(sql, /^ALTER\s+(?:MATERIALIZED\s+VIEW|FOREIGN\s+TABLE|\w+)\s+/i, 'IF EXISTS '),
    };
  }
  if (body.renameType === 'OBJECT_COLUMN') {
    const table = unqualified(relation);
    const check = `SELECT 1 FROM information_schema.columns WHERE table_name = '${table}' AND column_name = '${body.subname}'`;
    return {
      kind: 'ALTER TABLE RENAME COLUMN',
      target: `${relation}.${body.subname}`,
      needsGuard: true,
      guarded: false,
      fix: `DO $$ BEGIN IF EXISTS (${check}) THEN ${oneLine(sql)}; END IF; END $$`,
    };
  }
  const target = relation && body.subname ? `${relation}.${body.subname}` : (relation ?? body.subname ?? nameOf(body.object));
  return {
    kind: renameKinds[body.renameType] ?? `ALTER ${objectWords(body.renameType)} RENAME`,
    target,
    needsGuard: true,
    guarded: false,
    fix: doBlockIgnoring('undefined_object', sql),
  };
}

function alterEnum(body: Node, sql: string): GuardVerdict {
  const type = qualifiedName(body.typeName);
  if (body.oldVal) {
    return { kind: 'ALTER TYPE RENAME VALUE', target: `${type}.${body.oldVal}`, needsGuard: true, guarded: false, fix: doBlockIgnoring('invalid_parameter_value', sql) };
  }
  return {
    kind: 'ALTER TYPE ADD VALUE',
    target: `${type}.${body.newVal}`,
    needsGuard: true,
    guarded: Boolean(body.skipIfNewValExists),
    fix: insertAfter(sql, /\bADD\s+VALUE\s+/i, 'IF NOT EXISTS '),
  };
}

// ---------------------------------------------------------------- names

// Schemas are left out: `public.users` and `users` are the same object for the usual search_path.
function key(object: string, target: string | undefined): string {
  const parts = (target ?? '').split('.');
  const onTable = ['CONSTRAINT', 'TRIGGER', 'POLICY', 'RULE'].includes(object);
  return `${object}:${parts.slice(onTable ? -2 : -1).join('.')}`;
}

function unqualified(name: string | undefined): string {
  return (name ?? '').split('.').pop() ?? '';
}

function relationName(relation: Node | undefined): string | undefined {
  if (!relation?.relname) return undefined;
  return relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
}

function qualifiedName(names: Node[] | undefined): string | undefined {
  const parts = (names ?? []).map((name) => name.String?.sval).filter((part): part is string => Boolean(part));
  return parts.length ? parts.join('.') : undefined;
}

function nameOf(item: Node | undefined): string | undefined {
  if (!item) return undefined;
  if (item.String) return item.String.sval;
  if (item.List) return qualifiedName(item.List.items);
  if (item.TypeName) return qualifiedName(item.TypeName.names);
  if (item.ObjectWithArgs) return qualifiedName(item.ObjectWithArgs.objname);
  return undefined;
}

/** Renames whose object type is not the word the statement starts with. */
const renameKinds: Record<string, string> = {
  OBJECT_TABCONSTRAINT: 'ALTER TABLE RENAME CONSTRAINT',
  OBJECT_DOMCONSTRAINT: 'ALTER DOMAIN RENAME CONSTRAINT',
  OBJECT_TRIGGER: 'ALTER TRIGGER RENAME',
  OBJECT_POLICY: 'ALTER POLICY RENAME',
};

function objectWords(objectType: string | undefined): string {
  const words = (objectType ?? 'OBJECT_UNKNOWN').replace(/^OBJECT_/, '');
  return words === 'MATVIEW' ? 'MATERIALIZED VIEW' : words.replace(/_/g, ' ');
}

function defaultConstraintName(table: string | undefined, constraint: Node): string {
  const suffix: Record<string, string> = { CONSTR_CHECK: 'check', CONSTR_UNIQUE: 'key', CONSTR_PRIMARY: 'pkey', CONSTR_FOREIGN: 'fkey', CONSTR_EXCLUSION: 'excl' };
  const columns: Node[] = constraint.keys ?? constraint.fk_attrs ?? [];
  const names = columns.map((column) => column.String?.sval).filter(Boolean);
  return [unqualified(table), ...names, suffix[constraint.contype] ?? 'constraint'].join('_');
}

function identifierPattern(name: string | undefined): string {
  const escaped = (name ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(?:"${escaped}"|${escaped}\\b)`;
}

// ---------------------------------------------------------------- fixes

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

function doBlockIgnoring(condition: string, sql: string): string {
  return `DO $$ BEGIN ${oneLine(sql)}; EXCEPTION WHEN ${condition} THEN NULL; END $$`;
}

function insertAfter(sql: string, prefix: RegExp, insertion: string): string | undefined {
  const match = prefix.exec(sql);
  if (!match) return undefined;
  return excerpt(sql.slice(0, match.index + match[0].length), insertion, sql.slice(match.index + match[0].length));
}

// Long statements are shortened around the insertion, so the fix stays one readable line.
function excerpt(before: string, insertion: string, after: string): string {
  const head = oneLine(before);
  const tail = oneLine(after);
  const full = `${head} ${insertion}${tail}`.replace(/\s+/g, ' ').trim();
  if (full.length <= 140) return full;
  const shortHead = head.length > 60 ? `${head.slice(0, 30)} … ${head.slice(-25)}` : head;
  const shortTail = tail.length > 60 ? `${tail.slice(0, 60)} …` : tail;
  return `${shortHead} ${insertion}${shortTail}`.replace(/\s+/g, ' ').trim();
}
