"""Incubator: a portal for school-design challenges and grant competitions."""
import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

import config as settings
from incubator.extensions import csrf, db, limiter, limiter_storage_uri, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=os.environ.get("INCUBATOR_INSTANCE", str(ROOT / "instance")),
    )
    app.config.from_object(settings.select(config_name))
    app.config.update(overrides)
    _refuse_unsafe_production(app)
    _limiter_storage(app)
    os.makedirs(app.config["INSTANCE_DIR"], exist_ok=True)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from incubator.core.arrival import StampArrival

    app.wsgi_app = StampArrival(app.wsgi_app)  # outermost: the deadline counts from here
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    if app.config["ENV_NAME"] == "test" and not app.config.get("RATELIMIT_ENABLED_IN_TESTS", True):
        app.config["RATELIMIT_ENABLED"] = False
    limiter.init_app(app)

    # Ids in URLs fit the database's integer: a larger one is simply not found (404), not a 500.
    app.url_map.converters["int"] = BoundedIntConverter

    _import_models()
    _register_blueprints(app)

    from incubator.core import web

    web.init_app(app)

    from incubator.core.cli import register_cli

    register_cli(app)
    return app


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config["ENV_NAME"] != "production":
        return
    if app.config["SECRET_KEY"] in (settings.DEV_SECRET_KEY, "", None) or len(app.config["SECRET_KEY"]) < 32:
        raise RuntimeError("Production needs SECRET_KEY set to a long random value (32 characters or more).")
    if not app.config.get("REDIS_URL"):
        raise RuntimeError("Production needs REDIS_URL (jobs and rate limits are shared through Redis).")


def _limiter_storage(app: Flask) -> None:
    # Production counts sign-in attempts in the jobs' Redis unless RATELIMIT_STORAGE_URI says otherwise.
    uri = app.config.get("RATELIMIT_STORAGE_URI")
    if not uri and app.config.get("REDIS_URL"):
        uri = app.config["REDIS_URL"]
    if uri:
        app.config["RATELIMIT_STORAGE_URI"] = limiter_storage_uri(uri)


def _import_models() -> None:
    # Every model module, so metadata (and `flask db`) sees the whole schema.
    from incubator.accounts import models as _accounts  # noqa: F401
    from incubator.applications import models as _applications  # noqa: F401
    from incubator.challenges import models as _challenges  # noqa: F401
    from incubator.core import audit as _audit  # noqa: F401
    from incubator.core import digests as _digests  # noqa: F401
    from incubator.core import mail as _mail  # noqa: F401
    from incubator.core import mail_templates as _mail_templates  # noqa: F401
    from incubator.core import imports as _imports  # noqa: F401
    from incubator.core import notices as _notices  # noqa: F401
    from incubator.grants import models as _grants  # noqa: F401
    from incubator.incubation import models as _incubation  # noqa: F401
    from incubator.readiness import models as _readiness  # noqa: F401
    from incubator.reviews import models as _reviews  # noqa: F401
    from incubator.sustainability import models as _sustainability  # noqa: F401


DOMAINS = ("challenges", "applications", "readiness", "reviews", "incubation", "grants", "sustainability")


def _register_blueprints(app: Flask) -> None:
    import importlib

    from incubator.accounts import audit_words as _accounts_audit_words  # noqa: F401 (how its events read)
    from incubator.accounts.views import admin_bp, auth_bp, invitations_bp
    from incubator.core.views import core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(invitations_bp)
    for domain in DOMAINS:
        # Each domain registers its permission rules, dashboard panels, demo seeders and how its
        # audit events read, on import.
        for module in ("permissions", "panels", "demo", "audit_words"):
            importlib.import_module(f"incubator.{domain}.{module}")
        app.register_blueprint(importlib.import_module(f"incubator.{domain}.views").bp)
