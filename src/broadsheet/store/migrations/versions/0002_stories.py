"""stories

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 07:10:22.350552
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "build_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_article_id", sa.Integer(), nullable=False),
        sa.Column("clusterer", sa.LargeBinary(), nullable=True),
        sa.Column("neardup", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("thread_id", sa.String(length=40), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("section", sa.String(length=30), nullable=False),
        sa.Column("tone", sa.Float(), nullable=False),
        sa.Column("importance", sa.Float(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("outlet_count", sa.Integer(), nullable=False),
        sa.Column("coverage", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("editions", sa.JSON(), nullable=False),
        sa.Column("blindspot", sa.String(length=10), nullable=True),
        sa.Column("first_published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stories_importance"), ["importance"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stories_last_published"), ["last_published"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stories_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "story_aliases",
        sa.Column("old_id", sa.String(length=40), nullable=False),
        sa.Column("story_id", sa.String(length=40), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("old_id"),
    )
    with op.batch_alter_table("story_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_aliases_story_id"), ["story_id"], unique=False)

    op.create_table(
        "story_articles",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.String(length=40), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("near_duplicate_of", sa.Integer(), nullable=True),
        sa.Column("section", sa.String(length=30), nullable=False),
        sa.Column("tone", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
        ),
        sa.ForeignKeyConstraint(
            ["near_duplicate_of"],
            ["articles.id"],
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
        ),
        sa.PrimaryKeyConstraint("article_id"),
    )
    with op.batch_alter_table("story_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_articles_story_id"), ["story_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("story_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_articles_story_id"))

    op.drop_table("story_articles")
    with op.batch_alter_table("story_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_aliases_story_id"))

    op.drop_table("story_aliases")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stories_thread_id"))
        batch_op.drop_index(batch_op.f("ix_stories_last_published"))
        batch_op.drop_index(batch_op.f("ix_stories_importance"))

    op.drop_table("stories")
    op.drop_table("build_state")
