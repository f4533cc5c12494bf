"""Column types shared by every domain."""
from datetime import timezone

import sqlalchemy as sa


class UTCDateTime(sa.TypeDecorator):
    """A moment in time: aware UTC in Python, `timestamptz` on PostgreSQL.

    SQLite has no time zones, so the value is stored as naive UTC there and the
    zone is put back on the way out. A naive datetime is refused on the way in:
    it is almost always a bug (local time mistaken for UTC).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC moment is required")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
