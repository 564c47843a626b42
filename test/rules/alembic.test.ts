// Alembic revisions through the whole pipeline: the same rule ids as the JS frameworks, at the op.* line
// responsible, whether the revision ran offline (rendered SQL) or online (inspector, data migration).
import { describe, expect, it } from 'vitest';
import { lintCase } from '../rule-tester.js';

const caseTimeout = 180_000;

const base = `from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text(), nullable=False),
        if_not_exists=True,
    )


def downgrade():
    op.drop_table("users", if_exists=True)
`;

const verdicts = (findings: { ruleId: string | null; line: number }[]) => findings.map((f) => `${f.ruleId}@${f.line}`).sort();

describe('Alembic revisions, linted end to end', () => {
  it('an online revision (inspector) that fails points at its op.* line', async () => {
    const { findings } = await lintCase({
      framework: 'alembic',
      files: {
        'versions/a1_users.py': base,
        'versions/b2_orders.py': `from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    inspector = sa.inspect(op.get_bind())
    if "placed_at" not in [c["name"] for c in inspector.get_columns("users")]:
        op.add_column("order", sa.Column("placed_at", sa.DateTime()))


def downgrade():
    if "placed_at" in [c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")]:
        op.drop_column("order", "placed_at")
`,
      },
    });
    expect(verdicts(findings)).toEqual(['up-runs@11']);
    expect(findings[0].message).toMatch(/relation "order" does not exist/);
  }, caseTimeout);

  it('a guarded data migration through the connection runs online (every statement on the engine) and passes every step', async () => {
    const { findings } = await lintCase({
      framework: 'alembic',
      files: {
        'versions/a1_users.py': base,
        'versions/b2_seed.py': `from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM users WHERE email = :email"), {"email": "admin@example.com"}).scalar()
    if count == 0:
        bind.execute(sa.text("INSERT INTO users (email) VALUES (:email)"), {"email": "admin@example.com"})


def downgrade():
    op.execute("DELETE FROM users WHERE email = 'admin@example.com'")
`,
      },
    });
    expect(verdicts(findings)).toEqual([]);
  }, caseTimeout);

  it('offline: an unguarded op.execute and a forgetful downgrade give the SQL frameworks\' findings', async () => {
    const { findings } = await lintCase({
      framework: 'alembic',
      files: {
        'versions/a1_users.py': base,
        'versions/b2_index.py': `from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("users", sa.Column("name", sa.Text()), if_not_exists=True)
    op.execute("CREATE INDEX ix_users_email ON users (email)")


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_users_email")
`,
      },
    });
    const own = verdicts(findings).filter((v) => !v.startsWith('preserves-data') && !v.startsWith('resumable-up'));
    expect(own).toEqual(['idempotent-up@10', 'require-guard@10', 'round-trip@13']);
  }, caseTimeout);
});
