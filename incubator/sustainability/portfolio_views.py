"""Placeholder routes (the URL map); the owning area replaces them."""
from flask import abort
from flask_login import login_required

from incubator.sustainability.views import bp


@bp.route("/portfolio", methods=["GET"], endpoint="portfolio_home")
@login_required
def portfolio_home():
    abort(404)


@bp.route("/portfolio/<int:organisation_id>", methods=["GET"], endpoint="portfolio")
@login_required
def portfolio(organisation_id: int):
    abort(404)


@bp.route("/portfolio/<int:organisation_id>/schools.csv", methods=["GET"], endpoint="portfolio_csv")
@login_required
def portfolio_csv(organisation_id: int):
    abort(404)
