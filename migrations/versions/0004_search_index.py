"""search index: documents, SQLite FTS5 or PostgreSQL tsvector + GIN + pg_trgm

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:00:00

The documents are filled by the application (``flask --app eukz_platform reindex``): the
text is folded in Python, so that both engines index the same words. On SQLite, triggers keep
the FTS5 table in step with the documents; on PostgreSQL, the tsvector columns are generated
from the text. ``CREATE EXTENSION pg_trgm`` needs a role allowed to create extensions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    # Every word the index holds, so that a prefix can be expanded into words (service.py).
    "CREATE TABLE search_term (term VARCHAR(200) NOT NULL PRIMARY KEY) WITHOUT ROWID",
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        name_text, body_text,
        content='search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO search_fts(rowid, name_text, body_text)
        VALUES (new.id, new.name_text, new.body_text);
    END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO search_fts(search_fts, rowid, name_text, body_text)
        VALUES ('delete', old.id, old.name_text, old.body_text);
    END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE OF name_text, body_text
    ON search_document BEGIN
        INSERT INTO search_fts(search_fts, rowid, name_text, body_text)
        VALUES ('delete', old.id, old.name_text, old.body_text);
        INSERT INTO search_fts(rowid, name_text, body_text)
        VALUES (new.id, new.name_text, new.body_text);
    END""",
]

POSTGRESQL_FTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Byte order, as SQLite sorts: names sort the same on both engines.
    'ALTER TABLE search_document ALTER COLUMN sort_key TYPE varchar(200) COLLATE "C"',
    """ALTER TABLE search_document ADD COLUMN name_tsv tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', name_text)) STORED""",
    """ALTER TABLE search_document ADD COLUMN tsv tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', name_text), 'A')
            || setweight(to_tsvector('simple', body_text), 'B')
        ) STORED""",
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
    "CREATE INDEX ix_search_document_name_tsv ON search_document USING gin (name_tsv)",
    """CREATE INDEX ix_search_document_name_trgm ON search_document
        USING gin (name_text gin_trgm_ops)""",
]


def upgrade():
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("eesc_group", sa.String(length=8), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("sectors", sa.Integer(), nullable=False),
        sa.Column("group_slugs", sa.Text(), nullable=False),
        sa.Column("org_status", sa.String(length=32), nullable=True),
        sa.Column("org_confirmation", sa.String(length=32), nullable=True),
        sa.Column("contact_visibility", sa.String(length=16), nullable=True),
        sa.Column("sort_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name_text", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_search_document_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_search_document_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_search_document_kind_ref_id")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_document_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_search_document_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_search_document_sort_key", ["sort_key", "id"], unique=False)
        batch_op.create_index("ix_search_document_created_at", ["created_at", "id"], unique=False)
    op.create_table(
        "search_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_index_state")),
    )
    op.execute("INSERT INTO search_index_state (id, generation) VALUES (1, 0)")

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_FTS, "postgresql": POSTGRESQL_FTS}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("search_document_ai", "search_document_ad", "search_document_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("DROP TABLE IF EXISTS search_term")
    op.drop_table("search_index_state")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index("ix_search_document_created_at")
        batch_op.drop_index("ix_search_document_sort_key")
        batch_op.drop_index(batch_op.f("ix_search_document_contact_id"))
        batch_op.drop_index(batch_op.f("ix_search_document_organisation_id"))
    op.drop_table("search_document")
