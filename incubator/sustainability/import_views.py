"""Placeholder routes (the URL map); the owning area replaces them."""
from flask import abort
from flask_login import login_required

from incubator.sustainability.views import bp


@bp.route("/portfolio/<int:organisation_id>/import", methods=["GET", "POST"], endpoint="import_start")
@login_required
def import_start(organisation_id: int):
    abort(404)


@bp.route("/imports/<int:run_id>", methods=["GET"], endpoint="import_run")
@login_required
def import_run(run_id: int):
    abort(404)


@bp.route("/import-templates/<kind>.csv", methods=["GET"], endpoint="import_template")
@login_required
def import_template(kind: str):
    abort(404)
