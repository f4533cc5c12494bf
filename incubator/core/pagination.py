"""Pagination for list pages: LIMIT/OFFSET with one count query."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request

from incubator.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except (TypeError, ValueError):
        return 1


def paginate(select: sa.Select, *, per_page: int | None = None, scalars: bool = True, total: int | None = None) -> Page:
    """One page of `select`; pass `total` when the caller counted the rows already (one scan fewer)."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = page_number()
    if total is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(select.order_by(None).subquery()))
    result = db.session.execute(select.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars() if scalars else result)
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
