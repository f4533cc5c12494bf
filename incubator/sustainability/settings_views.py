"""The sustainability settings of an organisation (portfolio area): finance only."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.accounts import two_factor
from incubator.accounts.models import Organisation
from incubator.extensions import db
from incubator.sustainability import metrics
from incubator.sustainability.models import settings_of
from incubator.sustainability.permissions import finance_of
from incubator.sustainability.settings_forms import SettingsForm
from incubator.sustainability.settings_service import FIELDS, change_settings
from incubator.sustainability.views import bp


@bp.route("/portfolio/<int:organisation_id>/settings", methods=["GET", "POST"], endpoint="settings")
@login_required
@two_factor.enrolled_required
def settings(organisation_id: int):
    if not 0 < organisation_id < 2**31 or not finance_of(current_user, organisation_id):
        abort(404)
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    current = settings_of(org.id)
    form = SettingsForm(data={name: getattr(current, name) for name in FIELDS}
                        | {"report_due_month": str(current.report_due_month)})
    if request.method == "POST":
        if form.validate_on_submit():
            values = {name: form[name].data for name in FIELDS} | {"report_due_month": int(form.report_due_month.data)}
            if change_settings(org, values, actor=current_user):
                db.session.commit()
                flash("Settings saved. The portfolio and the school pages use them now.", "success")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for(".settings", organisation_id=org.id))
        return render_template("sustainability/portfolio_settings.html", org=org, form=form,
                               defaults=metrics.DEFAULT_GLIDE_PATH), 422
    return render_template("sustainability/portfolio_settings.html", org=org, form=form,
                           defaults=metrics.DEFAULT_GLIDE_PATH)
