"""An organisation's mail templates (core.mail_templates: every domain registers the kinds it
sends): program staff list them, edit one (with a preview filled with sample values) or reset it
to the portal's default. Anyone else gets 404."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from incubator.accounts.models import Organisation, Role
from incubator.core import mail_templates
from incubator.core.forms import BaseForm, CsrfForm, strip
from incubator.core.views import core_bp as bp
from incubator.extensions import db


class MailTemplateForm(BaseForm):
    subject = StringField("Subject", filters=[strip], validators=[
        InputRequired(message="Write a subject."),
        Length(max=mail_templates.SUBJECT_MAX,
               message=f"The subject is at most {mail_templates.SUBJECT_MAX} characters.")])
    body = TextAreaField("Message", validators=[
        InputRequired(message="Write the message."),
        Length(max=mail_templates.BODY_MAX, message=f"The message is at most {mail_templates.BODY_MAX:,} characters.")],
        render_kw={"rows": 14})


def staff_of(user, organisation_id: int) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and (user.is_admin or user.has_role(organisation_id, Role.program_staff)))


def _organisation_or_404(org_id: int) -> Organisation:
    organisation = db.session.get(Organisation, org_id) if 0 < org_id < 2**31 else None
    if organisation is None or not staff_of(current_user, organisation.id):
        abort(404)
    return organisation


@bp.get("/organisations/<int:org_id>/mail-templates")
@login_required
def mail_templates_list(org_id: int):
    organisation = _organisation_or_404(org_id)
    saved = {row.key: row for row in db.session.scalars(
        db.select(mail_templates.MailTemplate).filter_by(organisation_id=organisation.id))}
    kinds = sorted(mail_templates.KINDS.values(), key=lambda k: k.key)
    return render_template("core/mail_templates.html", organisation=organisation, kinds=kinds, saved=saved)


def _page(organisation, kind, form, status=200, preview=None):
    return render_template("core/mail_template.html", organisation=organisation, kind=kind, form=form,
                           saved=mail_templates.saved_template(organisation.id, kind.key), preview=preview,
                           reset_form=CsrfForm()), status


@bp.route("/organisations/<int:org_id>/mail-templates/<key>", methods=["GET", "POST"])
@login_required
def mail_template(org_id: int, key: str):
    organisation = _organisation_or_404(org_id)
    kind = mail_templates.KINDS.get(key)
    if kind is None:
        abort(404)
    if request.method == "GET":
        current = mail_templates.template_for(organisation.id, key)
        return _page(organisation, kind, MailTemplateForm(data={"subject": current.subject, "body": current.body}))
    if request.form.get("action") == "reset":
        if not CsrfForm().validate_on_submit():
            abort(400)
        if mail_templates.reset(organisation, key, actor=current_user):
            db.session.commit()
            flash(f"“{kind.label}” is back to the default wording.", "success")
        else:
            flash(f"“{kind.label}” already uses the default wording.", "info")
        return redirect(url_for(".mail_template", org_id=organisation.id, key=key))
    form = MailTemplateForm()
    if not form.validate_on_submit():
        return _page(organisation, kind, form, 422)
    found = mail_templates.problems(key, form.subject.data, form.body.data)
    if found:
        form.form_errors.extend(found)
        return _page(organisation, kind, form, 422)
    if request.form.get("action") == "preview":
        draft = mail_templates.Kind(key, kind.label, form.subject.data, form.body.data, kind.placeholders)
        return _page(organisation, kind, form,
                     preview=mail_templates.render(draft, mail_templates.sample_values(key)))
    mail_templates.save(organisation, key, subject=form.subject.data, body=form.body.data, actor=current_user)
    db.session.commit()
    flash(f"“{kind.label}” saved. It is used for the next emails of this kind.", "success")
    return redirect(url_for(".mail_templates_list", org_id=organisation.id))
