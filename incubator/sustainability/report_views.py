"""Placeholder routes (the URL map); the owning area replaces them."""
from flask import abort
from flask_login import login_required

from incubator.sustainability.views import bp


@bp.route("/schools/<int:school_id>/years/<int:year>/report", methods=["GET", "POST"], endpoint="report_form")
@login_required
def report_form(school_id: int, year: int):
    abort(404)


@bp.route("/reports/<int:report_id>", methods=["GET"], endpoint="report")
@login_required
def report(report_id: int):
    abort(404)


@bp.route("/reports/<int:report_id>/submit", methods=["POST"], endpoint="submit_report")
@login_required
def submit_report(report_id: int):
    abort(404)


@bp.route("/reports/<int:report_id>/verify", methods=["POST"], endpoint="verify_report")
@login_required
def verify_report(report_id: int):
    abort(404)


@bp.route("/reports/<int:report_id>/return", methods=["POST"], endpoint="return_report")
@login_required
def return_report(report_id: int):
    abort(404)


@bp.route("/reports/<int:report_id>/correct", methods=["GET", "POST"], endpoint="correct_report")
@login_required
def correct_report(report_id: int):
    abort(404)
