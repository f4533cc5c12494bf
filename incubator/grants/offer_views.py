"""Offers (offers area): the grants list, a challenge's grant pool, making an offer, withdrawing one."""
from flask import abort

from incubator.grants.views import bp


@bp.get("/")
def index():
    abort(501)


@bp.get("/challenges/<int:challenge_id>/pool")
def pool(challenge_id: int):
    abort(404)


@bp.route("/challenges/<int:challenge_id>/offer", methods=["GET", "POST"])
def offer_new(challenge_id: int):
    abort(404)


@bp.post("/<int:grant_id>/withdraw")
def withdraw(grant_id: int):
    abort(404)
