"""Application pages: start, read, edit (with conflict display), files, submit, withdraw, PDF."""
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from incubator.applications import attachments, editing, forms, jobs, submission
from incubator.applications.lifecycle import ChangedMeanwhile
from incubator.applications.models import Application, ApplicationRevision, Attachment, Team
from incubator.applications.views import bp, team_page
from incubator.challenges.models import MODEL_ELEMENTS, Challenge, Question, QuestionKind
from incubator.core.arrival import received_at
from incubator.core.errors import DomainError
from incubator.core.forms import is_plain_id
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db


@bp.post("/teams/<int:team_id>/applications")
@login_required
def start(team_id: int):
    team = visible_or_404(Team, team_id)
    form = forms.StartForm()
    challenge = db.session.get(Challenge, form.challenge_id.data) if form.validate_on_submit() else None
    # A draft, or a challenge not open yet, is unknown to teams: the same 404 as a wrong id.
    if challenge is None or not challenge.is_public(utcnow()):
        abort(404)
    try:
        application = editing.start_application(team, challenge, actor=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return team_page(team, 409)
    except IntegrityError:  # a teammate started it at the same moment
        db.session.rollback()
        flash(f"{team.name} already has an application for {challenge.title}.", "error")
        return team_page(team, 409)
    flash(f"Application to {challenge.title} started. Every member of {team.name} can edit it.", "success")
    return redirect(url_for(".edit", application_id=application.id))


def _is_closed(application: Application) -> bool:
    """A draft whose challenge has closed: it can never be submitted now."""
    return application.status == "draft" and utcnow() >= application.challenge.closes_at


def _plan_rows(application: Application) -> list:
    years = {y.year_number: y for y in application.financial_years}
    return [(n, years.get(n)) for n in forms.PLAN_YEARS]


def _detail(application: Application, status: int = 200, upload_form=None):
    answers = {a.question_id: a for a in application.answers}
    files: dict = {}
    for attachment in application.attachments:
        files.setdefault(attachment.question_id, []).append(attachment)
    revisions = db.session.scalars(db.select(ApplicationRevision).filter_by(application_id=application.id)
                                   .order_by(ApplicationRevision.version.desc()).limit(10)).all()
    return render_template(
        "applications/detail.html", application=application, challenge=application.challenge,
        answers=answers, answer_text=editing.answer_text, files=files, plan=_plan_rows(application),
        school_facts=editing.school_facts(application), model_elements=MODEL_ELEMENTS,
        missing=editing.checklist(application) if application.status == "draft" else [],
        can_edit=can(current_user, "edit", application), can_withdraw=can(current_user, "withdraw", application),
        upload_form=upload_form or forms.UploadForm(), confirm_form=forms.ConfirmForm(), revisions=revisions,
        QuestionKind=QuestionKind, closing=editing.closing_text(application.challenge),
        closed=_is_closed(application)), status


@bp.get("/<int:application_id>")
@login_required
def detail(application_id: int):
    return _detail(visible_or_404(Application, application_id))


def _draft_from(form, challenge: Challenge) -> editing.Draft:
    questions = challenge.questions
    draft = editing.Draft(core={key: form[key].data for key in forms.core_fields(challenge)})
    for question in questions:
        if question.kind != QuestionKind.file:
            draft.answers[question.id] = form[f"q_{question.id}"].data
    for year in forms.PLAN_YEARS:
        figures = {key: form[f"y{year}_{key}"].data for key, _ in forms.PLAN_COLUMNS}
        empty = all(value in (None, "") for value in figures.values())
        draft.plan[year] = None if empty else figures
    return draft


@bp.route("/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit(application_id: int):
    application = visible_or_404(Application, application_id)
    if not can(current_user, "edit", application):
        flash("This application can no longer be changed.", "error")
        if request.method == "POST":
            return _detail(application, 409)
        return redirect(url_for(".detail", application_id=application.id))
    questions = application.challenge.questions
    form_class = forms.application_form_class(application.challenge)
    conflict, clashes, status = None, set(), 200
    if request.method == "GET":
        form = form_class(data=editing.form_data(application))
    else:
        form = form_class()
        status = 422
        if form.validate_on_submit():
            draft = _draft_from(form, application.challenge)
            try:
                revision = editing.save_draft(application, draft, based_on=int(form.version.data),
                                              actor=current_user, now=utcnow())
            except editing.StaleSave as error:
                db.session.rollback()
                conflict, status = error.revisions, 409
                take, clashes = editing.merge_after_conflict(application, draft, conflict)
                for key, value in take.items():  # fields this member did not touch get the newer value
                    if key in form:
                        form[key].data, form[key].raw_data = value, None
                form.version.data = str(application.version)  # saving again now is a deliberate choice
                flash(str(error), "error")
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                if _is_closed(application):
                    flash(("Draft saved, but" if revision else "Nothing had changed, and")
                          + f" {application.challenge.title} closed at {editing.closing_text(application.challenge)}:"
                          " this application can no longer be submitted.", "error")
                else:
                    flash("Draft saved." if revision else "Nothing had changed.", "success")
                return redirect(url_for(".edit", application_id=application.id))
    return render_template("applications/edit.html", application=application, form=form, questions=questions,
                           conflict=conflict, clashes=clashes, plan=_plan_rows(application), missing=editing.checklist(application),
                           school_fields=forms.SCHOOL_FIELDS[application.challenge.track], number_fields=forms.NUMBER_FIELDS,
                           QuestionKind=QuestionKind, plan_columns=forms.PLAN_COLUMNS, closed=_is_closed(application),
                           closing=editing.closing_text(application.challenge), can_edit=True), status


@bp.post("/<int:application_id>/attachments")
@login_required
def upload(application_id: int):
    application = visible_or_404(Application, application_id)
    form = forms.UploadForm()
    if not can(current_user, "upload", application):
        flash("This application can no longer be changed.", "error")
        return _detail(application, 409)
    if not form.validate_on_submit() or not form.file.data or not form.file.data.filename:
        flash("Choose a file to upload.", "error")
        return _detail(application, 422, form)
    question = None
    if form.question_id.data:
        if not is_plain_id(form.question_id.data):
            abort(400)
        question = db.session.get(Question, int(form.question_id.data))
        if question is None:
            abort(400)
    try:
        attachment = attachments.store(application, form.file.data.stream, form.file.data.filename,
                                       question=question, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _detail(application, 413 if "20 MB" in str(error) or "100 MB" in str(error) else 422, form)
    db.session.commit()
    flash(f"{attachment.original_filename} uploaded.", "success")
    return redirect(url_for(".detail", application_id=application.id) + "#files")


def _attachment_or_404(application_id: int, attachment_id: int) -> Attachment:
    attachment = visible_or_404(Attachment, attachment_id, action="view")
    if attachment.application_id != application_id:
        abort(404)
    return attachment


@bp.get("/<int:application_id>/attachments/<int:attachment_id>")
@login_required
def download(application_id: int, attachment_id: int):
    attachment = _attachment_or_404(application_id, attachment_id)
    if not attachments.path_of(attachment).is_file():  # the row outlived its file: say so, do not fail
        current_app.logger.error("Attachment %s has no file on disk", attachment.id)
        abort(404)
    response = send_file(attachments.path_of(attachment), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachments.download_name(attachment), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/<int:application_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(application_id: int, attachment_id: int):
    attachment = _attachment_or_404(application_id, attachment_id)
    application = attachment.application
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attachments.remove(attachment, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash("This application can no longer be changed." if "allowed" in str(error) else str(error), "error")
        return _detail(application, 409)
    db.session.commit()
    flash("File removed.", "success")
    return redirect(url_for(".detail", application_id=application.id) + "#files")


# A teammate's save (or a second click) between loading the application and freezing it makes
# the compare-and-set fail; the submission then starts again on what is saved now.
SUBMIT_ATTEMPTS = 3


@bp.route("/<int:application_id>/submit", methods=["GET", "POST"])
@login_required
def submit(application_id: int):
    application = visible_or_404(Application, application_id)
    form, status, error_text = forms.SubmitForm(), 200, None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        # The deadline counts from when the click reached the portal, not from when a busy worker got to it.
        now = received_at()
        seen_version = int(form.version.data) if is_plain_id(form.version.data) else None
        for _attempt in range(SUBMIT_ATTEMPTS):
            already = submission.already_submitted(application, current_user)
            if already:
                flash(already, "success")
                return redirect(url_for(".detail", application_id=application.id))
            try:
                included = submission.submit(application, actor=current_user, now=now, seen_version=seen_version)
            except ChangedMeanwhile as error:
                db.session.rollback()
                error_text, status = str(error), 409
                application = visible_or_404(Application, application_id)
                continue
            except DomainError as error:
                db.session.rollback()
                error_text, status = str(error), (422 if isinstance(error, submission.Incomplete) else 409)
            else:
                db.session.commit()
                note = submission.included_changes(included, now)
                flash("Application submitted. " + (note + " " if note else "") + "Every member of the team gets a "
                      "receipt by email; the PDF copy will be ready here in a moment.", "success")
                return redirect(url_for(".detail", application_id=application.id))
            break
        flash(error_text, "error")
    elif not can(current_user, "submit", application):
        return redirect(url_for(".detail", application_id=application.id))
    else:
        form.version.data = str(application.version)
    return render_template("applications/submit.html", application=application, form=form,
                           missing=editing.checklist(application), closing=editing.closing_text(application.challenge),
                           is_open=application.challenge.is_open(utcnow()), closed=_is_closed(application),
                           can_edit=can(current_user, "edit", application)), status


@bp.route("/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(application_id: int):
    application = visible_or_404(Application, application_id)
    form, status = forms.ConfirmForm(), 200
    if request.method == "GET" and not can(current_user, "withdraw", application) \
            and not (application.team.has_member(current_user) and submission.withdraw_refusal(application)):
        return redirect(url_for(".detail", application_id=application.id))
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and form.confirm.data:
            try:
                submission.withdraw(application, actor=current_user, now=utcnow())
            except DomainError as error:
                db.session.rollback()
                flash(str(error) if "allowed" not in str(error) else "This application can no longer be withdrawn.",
                      "error")
                status = 409
            else:
                db.session.commit()
                flash("The application is withdrawn.", "success")
                return redirect(url_for(".detail", application_id=application.id))
        elif form.validate_on_submit():
            flash("Check the box to confirm that you want to withdraw.", "error")
    return render_template("applications/withdraw.html", application=application, form=form,
                           can_withdraw=can(current_user, "withdraw", application),
                           refusal=submission.withdraw_refusal(application)), status


@bp.get("/<int:application_id>/pdf")
@login_required
def pdf(application_id: int):
    application = visible_or_404(Application, application_id, action="download")
    path = jobs.pdf_dir() / application.pdf_path if application.pdf_path else None
    if path is None or not path.exists():
        flash("The PDF copy is being prepared. Reload this page in a moment.", "info")
        return redirect(url_for(".detail", application_id=application.id))
    slug = "".join(ch if ch.isalnum() else "-" for ch in (application.school_name or "application"))[:60].strip("-")
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=f"{slug or 'application'}-application-{application.id}.pdf", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
