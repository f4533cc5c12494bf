"""A person's notification settings: each notice as it happens, or one daily digest.
(Placeholder of the foundation: the reminders area builds it.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.views import core_bp


@core_bp.get("/account/notifications")
@login_required
def notification_settings():
    return render_template("incubation/placeholder.html", title="Notifications")
