"""The portfolio (portfolio area): which portfolios a person sees, the dashboard of one
organisation's schools against the coalition's goals, and its CSV export."""
import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from incubator.accounts import two_factor
from incubator.accounts.models import Organisation, Role
from incubator.core.csv import stream_rows
from incubator.core.pagination import page_number
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.sustainability import metrics, portfolio_chart
from incubator.sustainability import portfolio as dashboard
from incubator.sustainability.permissions import finance_of, sees_portfolio
from incubator.sustainability.states import SchoolSource, Status
from incubator.sustainability.views import bp


def portfolio_orgs(user) -> list[Organisation]:
    """The organisations whose portfolio the user sees (finance, program staff; admins: all)."""
    query = sa.select(Organisation).order_by(Organisation.name, Organisation.id)
    if not user.is_admin:
        ids = user.organisations_with(Role.finance, Role.program_staff)
        if not ids:
            return []
        query = query.where(Organisation.id.in_(ids))
    return list(db.session.scalars(query))


def _org_or_404(organisation_id: int) -> Organisation:
    if not 0 < organisation_id < 2**31 or not sees_portfolio(current_user, organisation_id):
        abort(404)
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    return org


@bp.route("/portfolio", methods=["GET"], endpoint="portfolio_home")
@login_required
def portfolio_home():
    orgs = portfolio_orgs(current_user)
    if not orgs:
        abort(404)
    if len(orgs) == 1:
        return redirect(url_for(".portfolio", organisation_id=orgs[0].id))
    return render_template("sustainability/portfolio_home.html", orgs=orgs)


@bp.route("/portfolio/<int:organisation_id>", methods=["GET"], endpoint="portfolio")
@login_required
@two_factor.enrolled_required
def portfolio(organisation_id: int):
    org = _org_or_404(organisation_id)
    filters = dashboard.Filters.parse(request.args)
    board = dashboard.build(org.id, filters, page_number())
    charted = board.charted
    chart = portfolio_chart.svg(charted, board.glide_path) if charted else None
    return render_template("sustainability/portfolio_dashboard.html", org=org, board=board, filters=filters,
                           chart=chart, charted=charted, statuses=list(Status), sources=list(SchoolSource),
                           is_finance=finance_of(current_user, org.id), years=metrics.YEARS,
                           coverage_by_year=dashboard.coverage_by_year, percent=metrics.percent,
                           targets=metrics.MARKET_SHARE_TARGETS)


@bp.route("/portfolio/<int:organisation_id>/schools.csv", methods=["GET"], endpoint="portfolio_csv")
@login_required
@two_factor.enrolled_required
def portfolio_csv(organisation_id: int):
    org = _org_or_404(organisation_id)
    filters = dashboard.Filters.parse(request.args)
    lines = dashboard.csv_lines(org.id, filters)  # read now, while the session is ours
    filename = f"{org.slug}-schools-{utcnow():%Y-%m-%d}.csv"
    return Response(stream_with_context(stream_rows(lines)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
