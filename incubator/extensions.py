"""Extensions, created unbound and attached to the app in create_app()."""
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, registry

from incubator.core.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # Times are UTC-aware in Python and on both databases; enums are stored as
    # short strings with a CHECK, so adding a state is a plain migration.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING),
        type_annotation_map={
            datetime: UTCDateTime(),
            StrEnum: sa.Enum(StrEnum, native_enum=False, length=32, create_constraint=True,
                             values_callable=lambda e: [m.value for m in e]),
            str: sa.String(255),
        },
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def client_address() -> str:
    return get_remote_address() or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[])


def minutes_until_reset(request_limit) -> int:
    """Whole minutes until a breached limit lets the next attempt through (at least 1)."""
    import math
    import time

    # reset_at is rounded up to the next whole second.
    return max(1, math.ceil((request_limit.reset_at - 1 - time.time()) / 60))


def limiter_storage_uri(redis_url: str) -> str:
    """The Flask-Limiter storage URI for a URL the `redis` client accepts.

    `redis://` and `rediss://` mean the same to both; a unix socket is `unix://` to redis
    and `redis+unix://` to the limiter (which refuses `unix://` as an unknown scheme).
    """
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url
