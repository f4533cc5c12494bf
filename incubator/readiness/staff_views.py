"""Program staff's readiness pages: instruments (edit, with versioning), a challenge's settings,
and the comparison of its teams (with CSV)."""
import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from incubator.accounts.models import Organisation
from incubator.accounts.organisations import staff_organisations
from incubator.challenges.models import Challenge
from incubator.core.csv import stream_rows
from incubator.core.errors import DomainError
from incubator.core.forms import query_arg
from incubator.core.pagination import Page, page_number
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.readiness import forms, instruments, reports, services
from incubator.readiness.models import LEVELS, Instrument, ReadinessDomain, ReadinessItem
from incubator.readiness.states import Requirement
from incubator.readiness.views import bp

COMPARE_PAGE = 100


def _staff_organisations() -> list[Organisation]:
    return staff_organisations(current_user)


@bp.get("/instruments")
@login_required
def instruments_list():
    organisations = _staff_organisations()
    if not organisations:
        abort(404)
    found = instruments.current_instruments([o.id for o in organisations])
    by_org = {o.id: [i for i in found if i.organisation_id == o.id] for o in organisations}
    return render_template("readiness/instruments.html", organisations=organisations, by_org=by_org,
                           form=forms.CsrfForm())


@bp.post("/organisations/<int:org_id>/instruments")
@login_required
def create_default(org_id: int):
    organisation = next((o for o in _staff_organisations() if o.id == org_id), None)
    if organisation is None:
        abort(404)
    instrument = instruments.create_default(organisation, actor=current_user)
    db.session.commit()
    flash(f"Created {instrument.name} for {organisation.name}.", "success")
    return redirect(url_for(".instrument", instrument_id=instrument.id))


def _instrument_page(instrument: Instrument, status: int = 200, **forms_given):
    return render_template(
        "readiness/instrument.html", instrument=instrument, versions=instruments.versions_of(instrument),
        answered=instruments.is_answered(instrument), LEVELS=LEVELS,
        rename_form=forms_given.get("rename_form") or forms.InstrumentForm(obj=instrument),
        domain_form=forms_given.get("domain_form") or forms.DomainForm(), form=forms.CsrfForm()), status


@bp.get("/instruments/<int:instrument_id>")
@login_required
def instrument(instrument_id: int):
    return _instrument_page(visible_or_404(Instrument, instrument_id, "manage"))


def _apply(instrument: Instrument, operation, *args, anchor: str = ""):
    """Run an editing operation; land on the version it changed, saying when that is a new one."""
    try:
        target = operation(instrument, *args, actor=current_user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash("Someone else changed this instrument a moment ago. Reload it and try again.", "error")
        return redirect(url_for(".instrument", instrument_id=instrument.id))
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".instrument", instrument_id=instrument.id) + anchor)
    if target.id != instrument.id:
        flash(f"Saved as version {target.version}. Assessments already taken keep version {instrument.version}.",
              "success")
    else:
        flash("Saved.", "success")
    return redirect(url_for(".instrument", instrument_id=target.id) + anchor)


@bp.post("/instruments/<int:instrument_id>")
@login_required
def instrument_rename(instrument_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    form = forms.InstrumentForm()
    if not form.validate_on_submit():
        return _instrument_page(instrument, 422, rename_form=form)
    return _apply(instrument, instruments.rename, form.name.data, form.description.data or "")


@bp.post("/instruments/<int:instrument_id>/domains")
@login_required
def domain_add(instrument_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    form = forms.DomainForm()
    if not form.validate_on_submit():
        return _instrument_page(instrument, 422, domain_form=form)
    return _apply(instrument, instruments.add_domain, form.title.data, form.description.data or "")


def _domain_or_404(instrument: Instrument, domain_id: int) -> ReadinessDomain:
    domain = visible_or_404(ReadinessDomain, domain_id, "manage")
    if domain.instrument_id != instrument.id:
        abort(404)
    return domain


def _item_or_404(instrument: Instrument, item_id: int) -> ReadinessItem:
    item = visible_or_404(ReadinessItem, item_id, "manage")
    if item.domain.instrument_id != instrument.id:
        abort(404)
    return item


@bp.post("/instruments/<int:instrument_id>/domains/<int:domain_id>")
@login_required
def domain_update(instrument_id: int, domain_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    domain = _domain_or_404(instrument, domain_id)
    form = forms.DomainForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return _instrument_page(instrument, 422)
    return _apply(instrument, instruments.update_domain, domain.id, form.title.data, form.description.data or "")


@bp.post("/instruments/<int:instrument_id>/domains/<int:domain_id>/move")
@login_required
def domain_move(instrument_id: int, domain_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    domain = _domain_or_404(instrument, domain_id)
    return _apply(instrument, instruments.move_domain, domain.id, request.form.get("direction", ""))


@bp.post("/instruments/<int:instrument_id>/domains/<int:domain_id>/remove")
@login_required
def domain_remove(instrument_id: int, domain_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    domain = _domain_or_404(instrument, domain_id)
    return _apply(instrument, instruments.remove_domain, domain.id)


def _item_form_page(instrument, domain, item, form, status=200):
    return render_template("readiness/item_form.html", instrument=instrument, domain=domain, item=item,
                           form=form), status


@bp.route("/instruments/<int:instrument_id>/domains/<int:domain_id>/items/new", methods=["GET", "POST"])
@login_required
def item_add(instrument_id: int, domain_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    domain = _domain_or_404(instrument, domain_id)
    form = forms.ItemForm()
    if form.validate_on_submit():
        data = instruments.ItemData(form.prompt.data, form.descriptors, form.allows_not_sure.data)
        return _apply(instrument, instruments.add_item, domain.id, data)
    return _item_form_page(instrument, domain, None, form, 422 if request.method == "POST" else 200)


@bp.route("/instruments/<int:instrument_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def item_edit(instrument_id: int, item_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    item = _item_or_404(instrument, item_id)
    form = forms.ItemForm(data={"prompt": item.prompt, "allows_not_sure": item.allows_not_sure,
                                **{f"level_{n}": item.descriptor(n) for n in (1, 2, 3, 4)}}
                          if request.method == "GET" else None)
    if form.validate_on_submit():
        data = instruments.ItemData(form.prompt.data, form.descriptors, form.allows_not_sure.data)
        return _apply(instrument, instruments.update_item, item.id, data)
    return _item_form_page(instrument, item.domain, item, form, 422 if request.method == "POST" else 200)


@bp.post("/instruments/<int:instrument_id>/items/<int:item_id>/move")
@login_required
def item_move(instrument_id: int, item_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    item = _item_or_404(instrument, item_id)
    return _apply(instrument, instruments.move_item, item.id, request.form.get("direction", ""))


@bp.post("/instruments/<int:instrument_id>/items/<int:item_id>/remove")
@login_required
def item_remove(instrument_id: int, item_id: int):
    instrument = visible_or_404(Instrument, instrument_id, "manage")
    item = _item_or_404(instrument, item_id)
    return _apply(instrument, instruments.remove_item, item.id)


# ---- a challenge's settings and comparison --------------------------------------------------------


@bp.route("/challenges/<int:challenge_id>/settings", methods=["GET", "POST"])
@login_required
def settings(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    current = services.settings_for(challenge.id)
    choices = instruments.current_instruments([challenge.organisation_id])
    form = forms.SettingsForm(data={"requirement": (current.requirement if current else Requirement.off).value,
                                    "instrument_id": str(current.instrument_id or "") if current else ""}
                              if request.method == "GET" else None)
    form.instrument_id.choices = [("", "Choose an instrument")] + [(str(i.id), f"{i.name} (version {i.version})")
                                                                     for i in choices]
    if form.validate_on_submit():
        chosen = next((i for i in choices if str(i.id) == form.instrument_id.data), None)
        try:
            services.configure(challenge, chosen, Requirement(form.requirement.data), actor=current_user,
                               now=utcnow())
        except DomainError as error:
            db.session.rollback()
            form.instrument_id.errors = [str(error)]
        else:
            db.session.commit()
            flash("Saved the readiness settings.", "success")
            return redirect(url_for(".settings", challenge_id=challenge.id))
    return render_template("readiness/settings.html", challenge=challenge, form=form, settings=current,
                           has_instruments=bool(choices)), (422 if request.method == "POST" else 200)


def _sort_args(domains) -> tuple[str, bool]:
    sort = query_arg("sort", 40)
    if sort not in {key for key, _ in domains}:
        sort = "team"
    return sort, query_arg("dir", 4) == "desc"


@bp.get("/challenges/<int:challenge_id>/compare")
@login_required
def compare(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    domains, rows = reports.comparison(challenge, sort=query_arg("sort", 40), descending=query_arg("dir", 4) == "desc")
    sort, descending = _sort_args(domains)
    # Sorted over every team, shown a page at a time (the CSV holds them all).
    number = page_number()
    page = Page(items=rows[(number - 1) * COMPARE_PAGE:number * COMPARE_PAGE], page=number, per_page=COMPARE_PAGE,
                total=len(rows))
    # The addresses of 500 rows, built once rather than by url_for in every row.
    application_url = url_for(".application", application_id=1)[:-1]
    assessment_url = url_for(".assessment", assessment_id=1)[:-1]
    return render_template("readiness/compare.html", challenge=challenge, domains=domains, page=page, sort=sort,
                           descending=descending, application_url=application_url, assessment_url=assessment_url)


@bp.get("/challenges/<int:challenge_id>/compare.csv")
@login_required
def compare_csv(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    domains, rows = reports.comparison(challenge, sort=query_arg("sort", 40), descending=query_arg("dir", 4) == "desc")
    filename = f"{challenge.slug}-readiness-{local(utcnow(), challenge.timezone):%Y%m%d}.csv"
    lines = list(reports.comparison_csv_rows(challenge, domains, rows))  # read now, while the session is ours
    return Response(stream_with_context(stream_rows(lines)),
                    mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
