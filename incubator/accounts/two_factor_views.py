"""Two-factor sign-in pages (2FA area): set up, the sign-in step, confirm again, recovery codes."""
from flask import abort

from incubator.accounts.views import auth_bp
from incubator.accounts.admin_views import admin_bp


@auth_bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor():
    abort(501)


@auth_bp.route("/account/two-factor/setup", methods=["GET", "POST"])
def two_factor_setup():
    abort(501)


@auth_bp.route("/account/two-factor/confirm", methods=["GET", "POST"])
def two_factor_confirm():
    abort(501)


@auth_bp.route("/login/two-factor", methods=["GET", "POST"])
def two_factor_sign_in():
    abort(501)


@admin_bp.post("/users/<int:user_id>/two-factor/reset")
def two_factor_reset(user_id: int):
    abort(404)
