"""Staff's pages of a round's results: the ranking (with its CSV and summary PDF), the progress
dashboard with reminders, and one application's reviews. Routes of the review blueprint."""
import functools

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from incubator.applications.models import Application, Team, TeamMember
from incubator.challenges.models import Challenge
from incubator.core import charts, pdf_jobs
from incubator.core.csv import stream_rows
from incubator.core.errors import DomainError
from incubator.core.forms import query_arg
from incubator.core.pagination import Page, page_number
from incubator.core.pdf import download_name
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.reviews import jobs, progress, ranking, ranking_jobs, statistics
from incubator.reviews.models import Assignment, CriterionScore, ReviewRound
from incubator.reviews.ranking_pdf import distribution_chart, fmt
from incubator.reviews.states import Outcome, Recommendation
from incubator.reviews.views import bp

MAX_REMIND_IDS = 1000


def _round_or_404(round_id: int) -> ReviewRound:
    return visible_or_404(ReviewRound, round_id, "manage",
                          options=[joinedload(ReviewRound.challenge).joinedload(Challenge.organisation)])


@functools.lru_cache(maxsize=64)
def distribution_svg(distribution: tuple[int, ...]):
    """The chart as SVG; drawing it costs more than the rest of the page's statistics, and the
    same counts always draw the same chart (a pure function of them, so any process may keep it)."""
    return charts.to_svg(distribution_chart(list(distribution), statistics.BIN_LABELS),
                         description="The number of submitted reviews in each band of ten points.")


@bp.get("/rounds/<int:round_id>/ranking")
def ranking_page(round_id: int):
    review_round = _round_or_404(round_id)
    filters = ranking.Filters.from_args(query_arg)
    reviews = ranking.submitted_reviews(review_round)
    every, kept = ranking.ranking(review_round, filters, reviews)
    show_all = request.args.get("all") == "1"
    per_page = max(len(kept), 1) if show_all else ranking.PER_PAGE
    number = min(page_number(), max(1, -(-len(kept) // per_page)))  # past the end: the last page
    page = Page(items=kept[(number - 1) * per_page:number * per_page], page=number, per_page=per_page,
                total=len(kept))
    # Per criterion, alpha reads every criterion score of the round (60,000 at 2,000 x 3 x 10):
    # that is the agreement page's work, not the ranking's (DESIGN.md section 7's budget).
    agreements = [statistics.round_agreement(reviews)]
    distribution = statistics.distribution([score for _, _, score, _ in reviews])
    chart = distribution_svg(tuple(distribution))
    # Row links built once, not by url_for in each of up to 2,000 rows.
    application_url = url_for(".round_application", round_id=review_round.id, application_id=1)[:-1]
    batch_url = url_for(".ranking_page", round_id=review_round.id).rsplit("/", 1)[0] + "/decisions/batch"
    return render_template(
        "reviews/ranking.html", review_round=review_round, page=page, filters=filters, counts=ranking.counts(every),
        agreements=agreements, chart=chart, distribution=list(zip(statistics.BIN_LABELS, distribution)),
        sorts=ranking.SORTS, outcomes=list(Outcome), fmt=fmt,
        show_all=show_all, application_url=application_url, batch_url=batch_url,
        high=ranking.HIGH_DISAGREEMENT, strong=statistics.reliability.STRONG,
        moderate=statistics.reliability.MODERATE)


@bp.get("/rounds/<int:round_id>/agreement")
def round_agreement(round_id: int):
    review_round = _round_or_404(round_id)
    reviews = ranking.submitted_reviews(review_round)
    rubric = statistics.criteria(review_round)
    agreements = [statistics.round_agreement(reviews), *statistics.criterion_agreement(review_round, rubric)]
    return render_template("reviews/agreement.html", review_round=review_round, agreements=agreements,
                           reviews=len(reviews), strong=statistics.reliability.STRONG,
                           moderate=statistics.reliability.MODERATE)


CSV_HEADER = ["Rank", "Application id", "School", "Team", "Status", "Reviews", "Raw score", "Median",
              "Normalized score", "Disagreement (SD)", "High disagreement", "Yes", "Maybe", "No", "Decision"]


def csv_lines(rows: list) -> list[list]:
    lines = [CSV_HEADER]
    for number, row in enumerate(rows, start=1):
        lines.append([number, row.application_id, row.school_name, row.team_name, row.status, row.reviews,
                      fmt(row.raw, 2), fmt(row.median, 2), fmt(row.normalised, 2), fmt(row.disagreement, 2),
                      "yes" if row.is_flagged else "", *(row.recommendations[r] for r in Recommendation),
                      row.decision.label if row.decision else ""])
    return lines


@bp.get("/rounds/<int:round_id>/ranking.csv")
def ranking_csv(round_id: int):
    review_round = _round_or_404(round_id)
    _, kept = ranking.ranking(review_round, ranking.Filters.from_args(query_arg))
    lines = csv_lines(kept)  # read now, while the session is ours
    challenge = review_round.challenge
    filename = f"{challenge.slug}-round-{review_round.id}-ranking-{local(utcnow(), challenge.timezone):%Y%m%d}.csv"
    return Response(stream_with_context(stream_rows(lines)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/rounds/<int:round_id>/summary.pdf")
def summary_pdf(round_id: int):
    review_round = _round_or_404(round_id)
    _, path = pdf_jobs.ready(ranking_jobs.SUMMARY, review_round)
    if path is not None:
        response = send_file(path, mimetype="application/pdf", as_attachment=True, max_age=0,
                             download_name=download_name(review_round.title, f"ranking-{review_round.id}"))
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    return render_template(
        "core/pdf_pending.html", heading=f"Summary PDF: {review_round.title}",
        back_url=url_for(".ranking_page", round_id=review_round.id), back_label="Ranking",
        what="the summary PDF", waiting=request.args.get("waiting") == "1",
        reload_url=url_for(".summary_pdf", round_id=review_round.id, waiting=1),
        prepare_url=url_for(".summary_pdf_prepare", round_id=review_round.id), prepare_label="Prepare the summary PDF",
        not_made="There is no summary PDF of the round's current reviews and decisions yet.")


@bp.post("/rounds/<int:round_id>/summary.pdf")
def summary_pdf_prepare(round_id: int):
    review_round = _round_or_404(round_id)
    pdf_jobs.request(ranking_jobs.SUMMARY, ranking_jobs.render_summary_pdf, review_round,
                     ranking_jobs.fingerprint(review_round), again=True)
    db.session.commit()
    return redirect(url_for(".summary_pdf", round_id=review_round.id, waiting=1))


@bp.get("/rounds/<int:round_id>/dashboard")
def round_dashboard(round_id: int):
    review_round = _round_or_404(round_id)
    now = utcnow()
    reviewers = progress.by_reviewer(review_round, now)
    applications = progress.by_application(review_round)
    number = page_number()
    per_page = ranking.PER_PAGE
    number = min(number, max(1, -(-len(applications) // per_page)))
    page = Page(items=applications[(number - 1) * per_page:number * per_page], page=number, per_page=per_page,
                total=len(applications))
    return render_template("reviews/dashboard.html", review_round=review_round, reviewers=reviewers, page=page,
                           closed=now >= review_round.closes_at, k=review_round.reviewers_per_application,
                           unfinished=sum(1 for r in reviewers if r.unfinished),
                           application_url=url_for(".round_application", round_id=review_round.id,
                                                   application_id=1)[:-1])


@bp.post("/rounds/<int:round_id>/remind")
def dashboard_remind(round_id: int):
    review_round = _round_or_404(round_id)
    raw = request.form.getlist("reviewer_ids")[:MAX_REMIND_IDS]
    ids = None
    if request.form.get("everyone") != "1":
        ids = {int(value) for value in raw if value.isdigit() and 0 < int(value) < 2**31}
        if not ids:
            flash("Choose a reviewer to remind.", "error")
            return redirect(url_for(".round_dashboard", round_id=review_round.id))
    try:
        sent = jobs.remind_now(review_round, ids, actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if sent:
            flash(f"Reminder sent to {sent} reviewer{'' if sent == 1 else 's'}.", "success")
        else:
            flash("No reminder sent: nobody chosen has unfinished reviews, or they were already reminded today.",
                  "info")
    return redirect(url_for(".round_dashboard", round_id=review_round.id))


@bp.get("/rounds/<int:round_id>/applications/<int:application_id>")
def round_application(round_id: int, application_id: int):
    review_round = _round_or_404(round_id)
    if not 0 < application_id < 2**31:
        abort(404)
    application = db.session.scalar(
        sa.select(Application).where(Application.id == application_id,
                                     Application.challenge_id == review_round.challenge_id)
        .options(selectinload(Application.team).selectinload(Team.members).selectinload(TeamMember.user)))
    if application is None:
        abort(404)
    assignments = list(db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == review_round.id, Assignment.application_id == application.id)
        .options(joinedload(Assignment.reviewer), selectinload(Assignment.scores).joinedload(CriterionScore.criterion))
        .order_by(Assignment.id)))
    rubric = statistics.criteria(review_round)
    row = next((r for r in ranking.rows(review_round) if r.application_id == application.id), None)
    return render_template("reviews/application_reviews.html", review_round=review_round, application=application,
                           assignments=assignments, rubric=rubric, row=row, fmt=fmt,
                           means=statistics.criterion_means(rubric, assignments))
