"""Releasing a tranche (finance area): staff request, finance approves (not the requester, with
a recent second factor), cancel, record an outside payment, retry a failed payout."""
from flask import abort

from incubator.grants.views import bp


@bp.post("/tranches/<int:tranche_id>/request")
def request_release(tranche_id: int):
    abort(404)


@bp.post("/tranches/<int:tranche_id>/approve")
def approve(tranche_id: int):
    abort(404)


@bp.post("/tranches/<int:tranche_id>/cancel")
def cancel(tranche_id: int):
    abort(404)


@bp.route("/tranches/<int:tranche_id>/payment", methods=["GET", "POST"])
def record_payment(tranche_id: int):
    abort(404)


@bp.post("/tranches/<int:tranche_id>/retry")
def retry(tranche_id: int):
    abort(404)
