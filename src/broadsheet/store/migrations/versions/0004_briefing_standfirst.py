"""briefing standfirst and format columns; indexes the site's change check reads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server_default fills existing rows; the model supplies the value from then on.
    with op.batch_alter_table("briefings") as batch:
        batch.add_column(sa.Column("standfirst", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("format", sa.String(length=30), nullable=False, server_default="")
        )
        batch.create_index("ix_briefings_built_at", ["built_at"])
    op.create_index("ix_stories_updated_at", "stories", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_stories_updated_at", table_name="stories")
    with op.batch_alter_table("briefings") as batch:
        batch.drop_index("ix_briefings_built_at")
        batch.drop_column("format")
        batch.drop_column("standfirst")
