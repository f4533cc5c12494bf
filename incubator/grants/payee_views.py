"""Payees (letter area): the grantee's Stripe Connect Express onboarding, finance's manual payee."""
from flask import abort

from incubator.grants.views import bp


@bp.route("/<int:grant_id>/payee", methods=["GET", "POST"])
def payee(grant_id: int):
    abort(404)


@bp.get("/<int:grant_id>/payee/return")
def payee_return(grant_id: int):
    abort(404)


@bp.get("/<int:grant_id>/payee/refresh")
def payee_refresh(grant_id: int):
    abort(404)


@bp.route("/<int:grant_id>/payee/manual", methods=["GET", "POST"])
def payee_manual(grant_id: int):
    abort(404)
