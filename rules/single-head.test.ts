import { ruleTester } from '../test/rule-tester.js';

/** A revision that adds one guarded column on top of `parent`. */
function addColumn(revision: string, parent: string | string[], column: string): string {
  const down = Array.isArray(parent) ? `(${parent.map((p) => `"${p}"`).join(', ')})` : `"${parent}"`;
  return `from alembic import op
import sqlalchemy as sa

revision = "${revision}"
down_revision = ${down}
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("${column}", sa.Text()), if_not_exists=True)


def downgrade():
    op.execute("ALTER TABLE users DROP COLUMN IF EXISTS ${column}")
`;
}

const base = `from alembic import op
import sqlalchemy as sa

revision = "aa01"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), if_not_exists=True)


def downgrade():
    op.drop_table("users", if_exists=True)
`;

const merge = `from alembic import op

revision = "dd04"
down_revision = ("bb02", "cc03")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
`;

ruleTester.run('single-head', {
  valid: [
    {
      name: 'a linear history',
      framework: 'alembic',
      files: {
        'versions/aa01_create_users.py': base,
        'versions/bb02_add_email.py': addColumn('bb02', 'aa01', 'email'),
      },
    },
    {
      name: 'two branches joined by a merge revision (whose empty downgrade is no mistake)',
      framework: 'alembic',
      files: {
        'versions/aa01_create_users.py': base,
        'versions/bb02_add_email.py': addColumn('bb02', 'aa01', 'email'),
        'versions/cc03_add_name.py': addColumn('cc03', 'aa01', 'name'),
        'versions/dd04_merge.py': merge,
      },
    },
    {
      name: 'the older branch of two heads is no head once merged; linting the merge itself',
      framework: 'alembic',
      files: {
        'versions/aa01_create_users.py': base,
        'versions/cc03_add_name.py': addColumn('cc03', 'aa01', 'name'),
        'versions/bb02_add_email.py': addColumn('bb02', 'aa01', 'email'),
        'versions/dd04_merge.py': merge,
      },
    },
  ],
  invalid: [
    {
      name: 'two revisions on the same parent: two heads, reported at the linted head\'s down_revision',
      framework: 'alembic',
      files: {
        'versions/aa01_create_users.py': base,
        'versions/bb02_add_email.py': addColumn('bb02', 'aa01', 'email'),
        'versions/cc03_add_name.py': addColumn('cc03', 'aa01', 'name'),
      },
      errors: [{ messageId: 'severalHeads', message: /2 heads \(bb02, cc03\)/, line: 5 }],
    },
    {
      name: 'three heads',
      framework: 'alembic',
      files: {
        'versions/aa01_create_users.py': base,
        'versions/bb02_add_email.py': addColumn('bb02', 'aa01', 'email'),
        'versions/cc03_add_name.py': addColumn('cc03', 'aa01', 'name'),
        'versions/ee05_add_phone.py': addColumn('ee05', 'bb02', 'phone'),
        'versions/ff06_add_city.py': addColumn('ff06', 'aa01', 'city'),
      },
      errors: [{ messageId: 'severalHeads', message: /3 heads \(cc03, ee05, ff06\)/, line: 5 }],
    },
  ],
});
