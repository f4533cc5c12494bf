"""CSV imports (import area): upload a file of schools or past reports, follow its run, download
the templates. Finance of the organisation only (with the second factor, as grants' finance
pages); anyone else gets 404."""
import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from incubator.accounts import two_factor
from incubator.accounts.models import Organisation, Role, User
from incubator.core import csv_import
from incubator.core.csv import stream_rows
from incubator.core.imports import ImportRun, ImportStatus
from incubator.core.jobs import enqueue_after_commit
from incubator.core.permissions import visible_or_404
from incubator.core.uploads import clean_filename
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import import_jobs, imports
from incubator.sustainability.import_forms import ImportForm
from incubator.sustainability.models import AnnualReport
from incubator.sustainability.permissions import finance_of
from incubator.sustainability.views import bp

RECENT_RUNS = 20
LINKS_SHOWN = 50


def _finance_org_or_404(organisation_id: int) -> Organisation:
    if not 0 < organisation_id < 2**31 or not finance_of(current_user, organisation_id):
        abort(404)
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    return org


def _start_page(org: Organisation, form: ImportForm, status: int = 200):
    runs = list(db.session.scalars(
        sa.select(ImportRun).where(ImportRun.organisation_id == org.id, ImportRun.kind.in_(imports.KINDS.values()))
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(RECENT_RUNS)))
    people = _names({run.created_by_id for run in runs})
    return render_template("sustainability/import_start.html", org=org, form=form, runs=runs, people=people,
                           kinds=imports.LABELS, kind_name=imports.kind_name,
                           columns={"schools": imports.SCHOOL_COLUMNS, "reports": imports.REPORT_COLUMNS},
                           max_rows=csv_import.MAX_ROWS), status


def _names(user_ids: set) -> dict[int, str]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {u.id: u.name or u.email for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


@bp.route("/portfolio/<int:organisation_id>/import", methods=["GET", "POST"], endpoint="import_start")
@login_required
@two_factor.enrolled_required
def import_start(organisation_id: int):
    org = _finance_org_or_404(organisation_id)
    if request.method == "GET":
        kind = request.args.get("kind")
        return _start_page(org, ImportForm(formdata=None, data={"kind": kind if kind in imports.KINDS else "schools"}))
    form = ImportForm()
    if not form.validate():
        return _start_page(org, form, 422)
    upload = form.file.data
    if not upload or not getattr(upload, "filename", None):
        form.file.errors = ["Choose the CSV file to import."]
        return _start_page(org, form, 422)
    try:
        content = csv_import.read_upload(upload.stream)
    except csv_import.FileRefused as error:
        form.file.errors = [str(error)]
        return _start_page(org, form, 422)
    run = ImportRun(organisation_id=org.id, kind=imports.KINDS[form.kind.data],
                    file_name=clean_filename(upload.filename, "import.csv"), content=content,
                    status=ImportStatus.queued, created_by_id=current_user.id)
    db.session.add(run)
    db.session.flush()
    enqueue_after_commit(import_jobs.run_import, run.id, retry=None)
    db.session.commit()
    return redirect(url_for(".import_run", run_id=run.id))


@bp.get("/imports/<int:run_id>", endpoint="import_run")
@login_required
@two_factor.enrolled_required
def import_run(run_id: int):
    run = visible_or_404(ImportRun, run_id)
    org = db.session.get(Organisation, run.organisation_id)
    summary = csv_import.summary_of(run) if ImportStatus(run.status) is ImportStatus.done else {}
    schools, reports = [], []
    if summary.get("school_ids"):
        ids = [i for i in summary["school_ids"] if isinstance(i, int)][:LINKS_SHOWN]
        schools = list(db.session.scalars(sa.select(School).where(School.id.in_(ids),
                                                                  School.organisation_id == org.id)
                                          .order_by(School.name)))
    if summary.get("report_ids"):
        ids = [i for i in summary["report_ids"] if isinstance(i, int)][:LINKS_SHOWN]
        reports = list(db.session.scalars(
            sa.select(AnnualReport).join(School, School.id == AnnualReport.school_id)
            .where(AnnualReport.id.in_(ids), School.organisation_id == org.id)
            .options(joinedload(AnnualReport.school)).order_by(School.name, AnnualReport.year)))
    return render_template("sustainability/import_run.html", run=run, org=org, status=ImportStatus(run.status),
                           kind=imports.kind_name(run.kind), kinds=imports.LABELS,
                           errors=csv_import.errors_of(run) if ImportStatus(run.status) is ImportStatus.failed else [],
                           summary=summary, schools=schools, reports=reports, links_shown=LINKS_SHOWN,
                           by=_names({run.created_by_id}).get(run.created_by_id))


@bp.get("/import-templates/<kind>.csv", endpoint="import_template")
@login_required
@two_factor.enrolled_required
def import_template(kind: str):
    if kind not in imports.KINDS or not (current_user.is_admin or current_user.organisations_with(Role.finance)):
        abort(404)
    importer = csv_import.importer_for(imports.KINDS[kind])
    return Response(stream_rows(csv_import.template_rows(importer.columns)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{kind}-template.csv"'})
