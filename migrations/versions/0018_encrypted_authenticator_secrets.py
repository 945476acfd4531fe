"""encrypted authenticator secrets: two_factor.secret kept encrypted (database.Sealed)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 13:30:00

The secret of each authenticator, until now kept as the app reads it, is encrypted with the
platform's keys (ENCRYPTION_KEYS, else the key derived from SECRET_KEY), so a copy of the
database does not give it away; the column widens to hold the encrypted text. Downgrading
decrypts them again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

two_factor = sa.table(
    "two_factor", sa.column("user_id", sa.Integer), sa.column("secret", sa.String)
)


def _rewrite(change) -> None:
    bind = op.get_bind()
    for user_id, secret in bind.execute(sa.select(two_factor.c.user_id, two_factor.c.secret)).all():
        bind.execute(
            two_factor.update()
            .where(two_factor.c.user_id == user_id)
            .values(secret=change(secret.encode()).decode())
        )


def upgrade():
    from eukz_platform.database import sealer

    with op.batch_alter_table("two_factor") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )
    _rewrite(sealer().encrypt)


def downgrade():
    from eukz_platform.database import sealer

    from cryptography.fernet import InvalidToken

    try:
        _rewrite(sealer().decrypt)
    except InvalidToken:
        raise RuntimeError(
            "an authenticator's secret is encrypted with a key not in ENCRYPTION_KEYS: "
            "set the keys it was encrypted with, then downgrade again"
        ) from None
    with op.batch_alter_table("two_factor") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
