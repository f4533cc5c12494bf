"""Finance (finance area): the dashboard, the grant page, CSV exports of tranches and the ledger."""
from flask import abort

from incubator.grants.views import bp


@bp.get("/finance")
def finance_home():
    abort(404)


@bp.get("/finance/<int:org_id>")
def dashboard(org_id: int):
    abort(404)


@bp.get("/finance/<int:org_id>/tranches.csv")
def tranches_csv(org_id: int):
    abort(404)


@bp.get("/finance/<int:org_id>/ledger.csv")
def ledger_csv(org_id: int):
    abort(404)


@bp.get("/<int:grant_id>")
def grant(grant_id: int):
    abort(404)
