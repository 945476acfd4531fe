"""search: the index's words by trigrams on PostgreSQL, for close names

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00

When nothing matches as written, PostgreSQL shows names close to the search text. Comparing
the text with every name by trigrams costs as much as there are names sharing its trigrams
(hundreds of milliseconds for a misspelling of a common word); comparing each word with the
index's words (``search_term``, fewer and short) and then finding the names that hold the
closest ones costs a few milliseconds whatever the text. The names' trigram index, read by
nothing else, goes.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite shows no close names
    op.execute("CREATE INDEX ix_search_term_trgm ON search_term USING gin (term gin_trgm_ops)")
    op.execute("DROP INDEX ix_search_document_name_trgm")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_search_document_name_trgm ON search_document "
            "USING gin (name_text gin_trgm_ops)"
        )
        op.execute("DROP INDEX ix_search_term_trgm")
