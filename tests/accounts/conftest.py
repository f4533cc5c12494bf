import time

import pytest
from itsdangerous import TimestampSigner


@pytest.fixture
def old_token(app, monkeypatch):
    """A signed link token made `age` seconds ago (itsdangerous' clock turned back while signing)."""
    from incubator.core import tokens

    def make(purpose: str, payload: dict, age: int) -> str:
        with monkeypatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - age)
            with app.test_request_context():
                return tokens.sign(purpose, payload)

    return make
