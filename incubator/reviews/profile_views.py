"""The reviewer's profile page: expertise and ties (any user who reviews for some organization)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.accounts.models import Role
from incubator.core.errors import DomainError
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import profiles
from incubator.reviews.conflict_forms import ProfileForm
from incubator.reviews.views import bp


def _timezone() -> str:
    """The timezone of the first organization the reviewer reviews for (times shown in it)."""
    return next((m.organisation.timezone for m in current_user.memberships if m.role == Role.reviewer), "UTC")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def reviewer_profile():
    if not profiles.is_reviewer(current_user):
        abort(404)
    profile = profiles.profile_of(current_user)
    if request.method == "GET":
        form = ProfileForm(data={
            "expertise": [t for t in (profile.expertise if profile else []) if not t.startswith("neighbourhood:")],
            "neighbourhoods": ", ".join(profiles.neighbourhood_names(profile)),
            "ties": profile.ties if profile else ""})
        return render_template("reviews/profile.html", form=form, profile=profile, tz=_timezone())
    form = ProfileForm()
    if not form.validate_on_submit():
        return render_template("reviews/profile.html", form=form, profile=profile, tz=_timezone()), 422
    try:
        saved = profiles.save(current_user, expertise=form.expertise.data or [],
                              neighbourhoods=form.neighbourhoods.data or "", ties=form.ties.data or "",
                              actor=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("reviews/profile.html", form=form, profile=profile, tz=_timezone()), 422
    message = "Your reviewer profile was saved."
    if saved.conflicts_added:
        message += (f" It matches {saved.conflicts_added} application{'' if saved.conflicts_added == 1 else 's'}"
                    " in your open rounds: you will not review "
                    f"{'it' if saved.conflicts_added == 1 else 'them'}.")
    flash(message, "success")
    return redirect(url_for(".reviewer_profile"))
