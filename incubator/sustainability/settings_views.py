"""Placeholder routes (the URL map); the owning area replaces them."""
from flask import abort
from flask_login import login_required

from incubator.sustainability.views import bp


@bp.route("/portfolio/<int:organisation_id>/settings", methods=["GET", "POST"], endpoint="settings")
@login_required
def settings(organisation_id: int):
    abort(404)
