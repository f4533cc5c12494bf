"""Signed, expiring tokens for links in mail, and random tokens stored hashed."""
import hashlib
import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"incubator.{purpose}")


def sign(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token: str, max_age: int) -> dict | None:
    """The payload, or None when the token is forged, damaged or too old."""
    if not token or len(token) > 1000:
        return None
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadData:  # forged, damaged, expired or undecodable
        return None
    return payload if isinstance(payload, dict) else None


def random_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
