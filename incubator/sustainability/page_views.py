"""Placeholder routes (the URL map); the owning area replaces them."""
from flask import abort
from flask_login import login_required

from incubator.sustainability.views import bp


@bp.route("/schools/<int:school_id>", methods=["GET"], endpoint="school")
@login_required
def school(school_id: int):
    abort(404)


@bp.route("/schools/<int:school_id>/report.pdf", methods=["GET", "POST"], endpoint="school_pdf")
@login_required
def school_pdf(school_id: int):
    abort(404)


@bp.route("/portfolio/<int:organisation_id>/report.pdf", methods=["GET", "POST"], endpoint="portfolio_pdf")
@login_required
def portfolio_pdf(organisation_id: int):
    abort(404)
