import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseAlembicRevision, guardFix } from './analyse.js';
import { findAlembicProject, headsOf, listAlembicRevisions, readAlembicIni, readAlembicIniSections, readRevisionHeader, topologicalOrder, type RevisionHeader } from './discover.js';
import { findPython, runHelper } from './python.js';
import { needsOnline } from './run.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway Alembic project: alembic.ini plus files relative to it. */
function project(files: Record<string, string>, ini = '[alembic]\nscript_location = %(here)s/alembic\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-alembic-'));
  made.push(dir);
  writeFileSync(join(dir, 'alembic.ini'), ini);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function revision(id: string, down: string, body = '    pass\n', downBody = '    pass\n'): string {
  return `from alembic import op\nimport sqlalchemy as sa\n\nrevision = "${id}"\ndown_revision = ${down}\n\n\ndef upgrade():\n${body}\n\ndef downgrade():\n${downBody}`;
}

function header(id: string, down: string[], dependsOn: string[] = []): RevisionHeader {
  return { path: `${id}.py`, revision: id, downRevisions: down, dependsOn, branchLabels: [], revisionLine: 1, downRevisionLine: 2 };
}

describe('alembic.ini', () => {
  it('expands %(here)s, reads version_locations with their separator and prepend_sys_path', () => {
    const dir = project({}, '[alembic]\nscript_location = %(here)s/db\nversion_locations = %(here)s/db/versions;%(here)s/plugins/versions\nversion_path_separator = ;\nprepend_sys_path = .\n\n[loggers]\nkeys = root\n');
    expect(readAlembicIni(join(dir, 'alembic.ini'))).toEqual({
      dir,
      scriptLocation: join(dir, 'db'),
      versionDirs: [join(dir, 'db/versions'), join(dir, 'plugins/versions')],
      sysPath: [dir],
      section: 'alembic',
    });
  });

  it('defaults to script_location/versions; a package-style location is the package\'s folder, when it is there', () => {
    const dir = project({}, '[alembic]\nscript_location = migrations\n');
    expect(readAlembicIni(join(dir, 'alembic.ini'))?.versionDirs).toEqual([join(dir, 'migrations/versions')]);
    const packaged = project({ 'src/myapp/db/migrations/env.py': '' }, '[alembic]\nscript_location = myapp.db:migrations\n');
    expect(readAlembicIni(join(packaged, 'alembic.ini'))?.versionDirs).toEqual([join(packaged, 'src/myapp/db/migrations/versions')]);
    const elsewhere = project({}, '[alembic]\nscript_location = installed_pkg:migrations\n');
    expect(readAlembicIni(join(elsewhere, 'alembic.ini'))).toBeUndefined();
  });

  it('reads one history per section with a script_location, and a Flask-Migrate ini as its own folder', () => {
    const dir = project(
      { 'app/users/migrations/versions/a.py': revision('a', 'None'), 'app/billing/migrations/versions/b.py': revision('b', 'None') },
      '[DEFAULT]\nprepend_sys_path = .\n\n[users]\nscript_location = app.users:migrations\n\n[billing]\nscript_location = app.billing:migrations\n\n[loggers]\nkeys = root\n',
    );
    expect(readAlembicIniSections(join(dir, 'alembic.ini')).map((p) => [p.section, p.versionDirs])).toEqual([
      ['users', [join(dir, 'app/users/migrations/versions')]],
      ['billing', [join(dir, 'app/billing/migrations/versions')]],
    ]);
    expect(findAlembicProject(join(dir, 'app/billing/migrations/versions'))?.section).toBe('billing');
    const flask = project({ 'migrations/env.py': 'from flask import current_app\n', 'migrations/alembic.ini': '[alembic]\n# template used to generate migration files\n\n[loggers]\nkeys = root\n' });
    expect(readAlembicIniSections(join(flask, 'migrations/alembic.ini'))).toMatchObject([
      { section: 'alembic', flask: true, scriptLocation: join(flask, 'migrations'), versionDirs: [join(flask, 'migrations/versions')] },
    ]);
  });

  it('is found from a versions folder below it', () => {
    const dir = project({ 'alembic/versions/a_init.py': revision('a', 'None') });
    expect(findAlembicProject(join(dir, 'alembic/versions'))?.dir).toBe(dir);
  });
});

describe('the revision graph', () => {
  it('reads plain, typed and tuple assignments, not the docstring', () => {
    const source = `"""merge\n\nRevision ID: m1\nRevises: a1, b1\n"""\nrevision: str = "m1"\ndown_revision: Union[str, Sequence[str], None] = ("a1", "b1")\nbranch_labels = ("core",)\ndepends_on = 'c1'\n`;
    expect(readRevisionHeader('m1.py', source)).toEqual({
      path: 'm1.py',
      revision: 'm1',
      downRevisions: ['a1', 'b1'],
      dependsOn: ['c1'],
      branchLabels: ['core'],
      revisionLine: 6,
      downRevisionLine: 7,
    });
    expect(readRevisionHeader('x.py', 'import os\nrevision = "x"\n')).toBeUndefined();
  });

  it('orders parents and depends_on before children, whatever the file names say', () => {
    const order = topologicalOrder([header('c', ['b']), header('a', []), header('m', ['b', 'd']), header('b', ['a']), header('d', ['a'], ['c'])]);
    expect(order.map((r) => r.revision)).toEqual(['a', 'b', 'c', 'd', 'm']);
  });

  it('has one head per unrevised revision; depends_on makes none', () => {
    expect(headsOf([header('a', []), header('b', ['a']), header('c', ['a'])]).map((r) => r.revision)).toEqual(['b', 'c']);
    expect(headsOf([header('a', []), header('b', ['a']), header('c', ['a'], ['b']), header('m', ['b', 'c'])]).map((r) => r.revision)).toEqual(['m']);
  });

  it('lists every version location of the project, in upgrade order', () => {
    const dir = project(
      {
        'alembic/versions/2_second.py': revision('r2', '"r1"'),
        'alembic/versions/1_first.py': revision('r1', 'None'),
        'plugins/versions/0_plugin.py': revision('p1', '"r2"'),
        'alembic/versions/helpers.py': 'import os\n',
      },
      '[alembic]\nscript_location = %(here)s/alembic\nversion_locations = %(here)s/alembic/versions %(here)s/plugins/versions\n',
    );
    const listed = listAlembicRevisions(join(dir, 'alembic/versions'));
    expect(listed.map((m) => [m.id, basename(m.path)])).toEqual([
      ['r1', '1_first.py'],
      ['r2', '2_second.py'],
      ['p1', '0_plugin.py'],
    ]);
    expect(listAlembicRevisions(dir).map((m) => m.id)).toEqual(['r1', 'r2', 'p1']);
  });
});

describe('the static model (Python ast)', () => {
  const dir = project({
    'alembic/versions/a_guards.py': revision(
      'a',
      'None',
      [
        '    op.create_table("t", sa.Column("id", sa.Integer), if_not_exists=True)',
        '    op.create_index("ix_t_id", "t", ["id"])',
        '    bind = op.get_bind()',
        '    if not sa.inspect(bind).has_table("u"):',
        '        op.create_table("u", sa.Column("id", sa.Integer))',
        '    columns = [c["name"] for c in sa.inspect(bind).get_columns("t")]',
        '    if "note" not in columns:',
        '        op.add_column("t", sa.Column("note", sa.Text()))',
        '    op.execute(',
        '        """',
        '        CREATE TABLE IF NOT EXISTS v (id int);',
        '        CREATE INDEX ix_v ON v (id)',
        '        """',
        '    )',
        '',
      ].join('\n'),
      [
        '    op.drop_column("t", "note")',
        '    if sa.inspect(op.get_bind()).has_table("u"):',
        '        op.drop_table("u")',
        '    op.drop_index("ix_t_id", table_name="t", if_exists=True)',
        '    op.drop_table("t")',
        '',
      ].join('\n'),
    ),
    'alembic/versions/b_early_return.py': revision(
      'b',
      '"a"',
      ['    if _has("w"):', '        return', '    op.create_table("w", sa.Column("id", sa.Integer))', ''].join('\n') +
        '\n\ndef _has(table):\n    return sa.inspect(op.get_bind()).has_table(table)\n',
      '    raise NotImplementedError()\n',
    ),
    'alembic/versions/c_directive.py': [
      'from alembic import op',
      '',
      'revision = "c"',
      'down_revision = "b"',
      '',
      '',
      'def upgrade():',
      '    op.execute("UPDATE t SET id = id")',
      '',
      '',
      '# rollsafe-disable-next-line no-empty-down -- nothing to undo for a data fix',
      'def downgrade():',
      '    """Nothing to undo."""',
      '',
    ].join('\n'),
    'alembic/versions/d_merge.py': revision('d', '("c", "a")'),
    'alembic/versions/e_broken.py': 'revision = "e"\ndown_revision = "d"\ndef upgrade(:\n',
  });
  const file = (name: string) => join(dir, 'alembic/versions', name);

  it('finds each op.* call with its guard: keyword, inspector check, names assigned from one; SQL in op.execute is read by the SQL rules', async () => {
    const model = await analyseAlembicRevision(file('a_guards.py'));
    const operations = model.operations.map((op) => `${op.direction} ${op.kind} ${op.target ?? ''} @${op.loc.line}:${op.loc.column} ${op.guarded ? 'guarded' : 'UNGUARDED'}`);
    expect(operations).toEqual([
      'up op.create_table t @9:5 guarded',
      'up op.create_index ix_t_id @10:5 UNGUARDED',
      'up op.create_table u @13:9 guarded',
      'up op.add_column t.note @16:9 guarded',
      'up CREATE TABLE v @19:9 guarded',
      'up CREATE INDEX ix_v @20:9 UNGUARDED',
      'down op.drop_column t.note @26:5 UNGUARDED',
      'down op.drop_table u @28:9 guarded',
      'down op.drop_index ix_t_id @29:5 guarded',
      'down op.drop_table t @30:5 UNGUARDED',
    ]);
    expect(model.up).toMatchObject({ line: 8 });
    expect(model.down).toMatchObject({ status: 'present', empty: false, loc: { line: 25 } });
  });

  it('an early return on an inspector check (through a helper) guards what follows; raise NotImplementedError is an empty down', async () => {
    const model = await analyseAlembicRevision(file('b_early_return.py'));
    expect(model.operations.map((op) => op.guarded)).toEqual([true]);
    expect(model.down.empty).toBe(true);
  });

  it('a docstring-only down is empty, and the directive above it silences its line', async () => {
    const model = await analyseAlembicRevision(file('c_directive.py'));
    expect(model.down.empty).toBe(true);
    expect(model.down.loc.line).toBe(12);
    expect(model.directives).toMatchObject([{ kind: 'disable-next-line', rules: ['no-empty-down'], appliesToLine: 12 }]);
  });

  it('a merge revision that does nothing either way has nothing to undo', async () => {
    const model = await analyseAlembicRevision(file('d_merge.py'));
    expect(model.down).toMatchObject({ status: 'present', empty: false });
  });

  it('a file Python cannot parse is a parse error at its line', async () => {
    const model = await analyseAlembicRevision(file('e_broken.py'));
    expect(model.parseError).toMatchObject({ loc: { line: 3 } });
  });
});

describe("the revision's own guard helpers and f-string names", () => {
  const helper = [
    'def column_exists(table, column):',
    '    bind = op.get_bind()',
    '    row = bind.execute(',
    '        sa.text("SELECT 1 FROM information_schema.columns WHERE table_name = :t AND column_name = :c"),',
    '        {"t": table, "c": column},',
    '    ).first()',
    '    return row is not None',
    '',
  ].join('\n');
  const dir = project({
    'alembic/versions/a_helper.py':
      'TABLE = "apikey"\n' +
      revision(
        'a',
        'None',
        ['    if not column_exists(TABLE, "scopes"):', '        op.add_column(TABLE, sa.Column("scopes", sa.Text()))', '        op.execute(f"CREATE INDEX ix_scopes ON {TABLE} (scopes)")', ''].join('\n'),
        ['    if column_exists(TABLE, "scopes"):', '        op.drop_column(TABLE, "scopes")', ''].join('\n'),
      ) +
      '\n\n' +
      helper,
    'alembic/versions/b_fstring.py': revision('b', '"a"', ['    table = get_table_name()', '    op.execute(f"ALTER TABLE {table} ADD COLUMN note text")', ''].join('\n')),
  });
  const file = (name: string) => join(dir, 'alembic/versions', name);

  it('a helper in the module that queries information_schema guards what it wraps', async () => {
    const model = await analyseAlembicRevision(file('a_helper.py'));
    expect(model.operations.map((op) => `${op.direction} ${op.kind} ${op.target ?? ''} ${op.guarded ? 'guarded' : 'UNGUARDED'}`)).toEqual([
      'up op.add_column apikey.scopes guarded',
      'up CREATE INDEX ix_scopes guarded',
      'down op.drop_column apikey.scopes guarded',
    ]);
  });

  it('an f-string names what a constant holds, else prints the expression as written', async () => {
    const model = await analyseAlembicRevision(file('b_fstring.py'));
    expect(model.operations.map((op) => `${op.kind} ${op.target}`)).toEqual(['ALTER TABLE ADD COLUMN {table}.note']);
  });
});

describe('the fix the installed Alembic supports', () => {
  it('suggests the keyword when the signature has it, an inspector check when it does not', () => {
    const current = { version: '1.20.0', params: { create_table: ['if_not_exists'], drop_column: [] } };
    expect(guardFix('op.create_table', 'create_table', 'users', current)).toBe('pass if_not_exists=True to op.create_table (Alembic 1.20.0 accepts it)');
    expect(guardFix('op.drop_column', 'drop_column', 'users.status', current)).toBe(
      'wrap it in `if "status" in [c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")]:` (Alembic 1.20.0\'s op.drop_column has no if_exists)',
    );
    const old = { version: '1.12.1', params: { create_table: [] } };
    expect(guardFix('op.create_table', 'create_table', 'users', old)).toBe(
      'wrap it in `if not sa.inspect(op.get_bind()).has_table("users"):` (Alembic 1.12.1\'s op.create_table has no if_not_exists)',
    );
  });
});

describe('running', () => {
  it('runs online what reads the database or could not be rendered offline', () => {
    expect(needsOnline({ statements: [] })).toBe(false);
    expect(needsOnline({ live: true })).toBe(true);
    expect(needsOnline({ error: { message: 'x', line: 3, type: 'NoInspectionAvailable' } })).toBe(true);
  });

  it('renders each direction offline with its op.* lines, and marks only the direction that reads the database as live', async () => {
    const dir = project({
      'alembic/versions/a_style.py': revision(
        'a',
        'None',
        '    op.add_column("projects", sa.Column("color", sa.Text()), if_not_exists=True)\n',
        '    if "color" in _columns("projects"):\n        op.drop_column("projects", "color")\n\n\ndef _columns(table):\n    return [c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)]\n',
      ),
    });
    const path = join(dir, 'alembic/versions/a_style.py');
    const reply = await runHelper<{ files: Record<string, Record<string, unknown>> }>('offline', { files: [path] }, { python: findPython(dir), cwd: dir, sysPath: [] });
    expect(reply.files[path]).toEqual({
      up: { statements: [{ sql: 'ALTER TABLE projects ADD COLUMN IF NOT EXISTS color TEXT', line: 9 }] },
      down: { live: true },
    });
  });

  it("finds the project's python: ROLLSAFE_PYTHON, then a .venv in the project", () => {
    const dir = project({ '.venv/bin/python': '' });
    expect(findPython(dir, { ROLLSAFE_PYTHON: '/opt/py/bin/python3' })).toBe('/opt/py/bin/python3');
    expect(findPython(dir, { PATH: '' })).toBe(join(dir, '.venv/bin/python'));
  });
});

describe('an Alembic project in a subfolder, its venv at the repository root', () => {
  it("runs with the root's venv and the project's own package importable; a missing module names the python used", async () => {
    const { execFileSync } = await import('node:child_process');
    const { lint } = await import('../../index.js');
    const root = mkdtempSync(join(tmpdir(), 'rollsafe-alembic-subfolder-'));
    made.push(root);
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, 'pyproject.toml'), '[project]\nname = "shop"\n');
    mkdirSync(join(root, 'shop'));
    writeFileSync(join(root, 'shop', '__init__.py'), '');
    writeFileSync(join(root, 'shop', 'tables.py'), 'ORDERS = "orders"\n');
    execFileSync('python3', ['-m', 'venv', '--system-site-packages', join(root, '.venv')]);
    const python = join(root, '.venv', 'bin', 'python');
    const sitePackages = execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).trim();
    // Only the venv has it: importing it proves the venv's python ran the revisions.
    writeFileSync(join(sitePackages, 'shop_vendor.py'), 'NOTE = "note"\n');
    const ini = join(root, 'db');
    mkdirSync(join(ini, 'alembic', 'versions'), { recursive: true });
    writeFileSync(join(ini, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\n');
    const versions = join(ini, 'alembic', 'versions');
    const imports = 'from alembic import op\nimport sqlalchemy as sa\n\nfrom shop.tables import ORDERS\nfrom shop_vendor import NOTE\n';
    writeFileSync(
      join(versions, 'aa01_orders.py'),
      `${imports}\nrevision = "aa01"\ndown_revision = None\n\n\ndef upgrade():\n    op.create_table(ORDERS, sa.Column("id", sa.Integer, primary_key=True), if_not_exists=True)\n\n\ndef downgrade():\n    op.drop_table(ORDERS, if_exists=True)\n`,
    );
    writeFileSync(
      join(versions, 'bb02_note.py'),
      `${imports}\nrevision = "bb02"\ndown_revision = "aa01"\n\n\ndef upgrade():\n    op.add_column(ORDERS, sa.Column(NOTE, sa.Text(), nullable=True), if_not_exists=True)\n\n\ndef downgrade():\n    op.drop_column(ORDERS, NOTE)\n`,
    );
    expect(findPython(ini, { PATH: '' })).toBe(python);

    const paths = [join(versions, 'aa01_orders.py'), join(versions, 'bb02_note.py')];
    const outcome = await lint({ cwd: ini, paths, all: false, staged: false, framework: 'alembic' });
    const messages = outcome.results.flatMap((r) => r.messages.map((m) => `${basename(r.filePath)} ${m.ruleId}@${m.line}: ${m.message}`));
    // Both revisions ran: the only findings are the unguarded drop_column's, seen statically and on the engine.
    expect(messages.map((m) => m.split(':')[0]).sort()).toEqual(['bb02_note.py idempotent-down@16', 'bb02_note.py require-guard@16']);

    writeFileSync(join(versions, 'cc03_missing.py'), `from alembic import op\nimport shop_missing\n\nrevision = "cc03"\ndown_revision = "bb02"\n\n\ndef upgrade():\n    op.execute("SELECT 1")\n\n\ndef downgrade():\n    op.execute("SELECT 1")\n`);
    const missing = await lint({ cwd: ini, paths: [join(versions, 'cc03_missing.py')], all: false, staged: false, framework: 'alembic' });
    const said = missing.results.flatMap((r) => r.messages.map((m) => m.message)).join('\n');
    expect(said).toContain(`cannot import the revision with ${python}: No module named 'shop_missing'`);
    expect(said).not.toMatch(/pglite cannot run this statement/);
  }, 180_000);
});
