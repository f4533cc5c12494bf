"""Placeholder routes (the URL map); the owning area replaces them."""
from flask import abort
from flask_login import login_required

from incubator.sustainability.views import bp


@bp.route("/", methods=["GET"], endpoint="index")
@login_required
def index():
    abort(404)


@bp.route("/schools/new", methods=["GET", "POST"], endpoint="new_school")
@login_required
def new_school():
    abort(404)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"], endpoint="edit_school")
@login_required
def edit_school(school_id: int):
    abort(404)


@bp.route("/schools/<int:school_id>/reporters", methods=["GET", "POST"], endpoint="reporters")
@login_required
def reporters(school_id: int):
    abort(404)


@bp.route("/schools/<int:school_id>/reporters/<int:reporter_id>/remove", methods=["POST"], endpoint="remove_reporter")
@login_required
def remove_reporter(school_id: int, reporter_id: int):
    abort(404)


@bp.route("/schools/<int:school_id>/invitations/<int:invitation_id>/revoke", methods=["POST"], endpoint="revoke_invitation")
@login_required
def revoke_invitation(school_id: int, invitation_id: int):
    abort(404)


@bp.route("/invitations/<token>", methods=["GET", "POST"], endpoint="invitation")
@login_required
def invitation(token: str):
    abort(404)
