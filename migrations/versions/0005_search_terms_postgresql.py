"""search: the words of the index on PostgreSQL too, for expanding prefixes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 18:00:00

A prefix ("energ") is searched as the words of the index that start with it, as on SQLite
(service.py): PostgreSQL reads an OR of a few words through the GIN index as far as the
search needs, but a prefix whole. The table is filled here from the documents already
indexed, and kept in step by the indexer (indexing.py).
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has had it since 0004
    # Byte order, as SQLite compares: a prefix's words are a range of the primary key.
    op.execute('CREATE TABLE search_term (term VARCHAR(200) COLLATE "C" NOT NULL PRIMARY KEY)')
    op.execute(
        "INSERT INTO search_term (term) SELECT DISTINCT word FROM search_document, "
        "unnest(string_to_array(name_text || ' ' || body_text, ' ')) AS word "
        "WHERE word <> '' AND length(word) <= 200"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_term")
