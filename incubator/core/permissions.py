"""One place that answers "may this user do this to this object".

Each domain registers a rule for its model class: `rule(user, action, obj) -> bool`.
Views load through `visible_or_404`, so an object a user may not see answers 404.
"""
from collections.abc import Callable

from flask import abort
from flask_login import current_user

from incubator.core.errors import NotAllowed
from incubator.extensions import db

_RULES: dict[type, Callable] = {}


def rule(model: type):
    def register(func: Callable) -> Callable:
        _RULES[model] = func
        return func

    return register


def can(user, action: str, obj) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    for klass in type(obj).__mro__:
        check = _RULES.get(klass)
        if check is not None:
            return bool(check(user, action, obj))
    return False


def require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise NotAllowed("You are not allowed to do that.")


def visible_or_404(model: type, object_id: int, action: str = "view", *, options=()):
    """The object, if `current_user` may do `action` on it; else 404. `options`: loader
    options for the one query (e.g. what the page will read of it)."""
    if not 0 < object_id < 2**31:  # beyond an integer key: PostgreSQL would refuse the query (500)
        abort(404)
    obj = db.session.get(model, object_id, options=options)
    if obj is None or not can(current_user, action, obj):
        abort(404)
    return obj


def admin_required(view):
    from functools import wraps

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (current_user.is_authenticated and current_user.is_admin):
            abort(404)
        return view(*args, **kwargs)

    return wrapper
