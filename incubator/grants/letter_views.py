"""The award letter and the grantee's answer (letter area)."""
from flask import abort

from incubator.grants.views import bp


@bp.get("/<int:grant_id>/letter")
def letter(grant_id: int):
    abort(404)


@bp.route("/<int:grant_id>/accept", methods=["GET", "POST"])
def accept(grant_id: int):
    abort(404)


@bp.post("/<int:grant_id>/decline")
def decline(grant_id: int):
    abort(404)
