"""A person's notification settings: each notice as it happens, or one daily digest."""
import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import RadioField
from wtforms.validators import InputRequired

from incubator.core import digests
from incubator.core.digests import DigestItem, NoticeMode
from incubator.core.errors import DomainError
from incubator.core.forms import BaseForm
from incubator.core.views import core_bp
from incubator.extensions import db


class NotificationForm(BaseForm):
    mode = RadioField("How do you want your notices?", choices=[(m.value, m.label) for m in NoticeMode],
                      validators=[InputRequired(message="Choose how you want your notices.")])


def _page(form: NotificationForm, status: int = 200):
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(DigestItem).where(
        DigestItem.user_id == current_user.id, DigestItem.sent_at.is_(None)))
    zone = digests.zones_of([current_user.id])[current_user.id]
    return render_template("core/notifications.html", form=form, waiting=waiting, zone=zone,
                           digest_hour=digests.DIGEST_HOUR,
                           current=digests.mode_of(current_user.id)), status


@core_bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    if request.method == "GET":
        return _page(NotificationForm(formdata=None, mode=digests.mode_of(current_user.id).value))
    form = NotificationForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        changed = digests.set_mode(current_user, form.mode.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        form.mode.errors = [str(error)]
        return _page(form, 422)
    db.session.commit()
    words = digests.MODE_WORDS[NoticeMode(form.mode.data)]
    flash(f"Saved: you get {words}." if changed else f"No change: you already get {words}.", "success")
    return redirect(url_for(".notification_settings"))
