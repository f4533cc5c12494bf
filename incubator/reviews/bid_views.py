"""A pool reviewer's bids page: rate each entrant interested / willing / not interested.
Blind or not, it shows no team, member or school name: a neutral "Application N", the track,
grades, neighbourhood and the start of the model's description."""
import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.core.errors import DomainError
from incubator.core.pagination import paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import bids as services
from incubator.reviews.models import ReviewRound
from incubator.reviews.states import Bid
from incubator.reviews.views import bp

FIELD = re.compile(r"bid-([0-9]{1,10})")
MAX_FIELDS = 200


def _parse(form) -> dict | None:
    """{position: Bid or None} from the posted `bid-<position>` fields; None if malformed. The fields
    are named by the neutral position, so not even the form carries a database id."""
    choices = {}
    names = [name for name in form if name.startswith("bid-")]
    if not names or len(names) > MAX_FIELDS:
        return None
    for name in names:
        match = FIELD.fullmatch(name)
        values = form.getlist(name)
        if match is None or len(values) != 1 or not 0 < int(match.group(1)) < 2**31:
            return None
        value = values[0]
        if value == "":
            choices[int(match.group(1))] = None
        elif value in Bid.__members__:
            choices[int(match.group(1))] = Bid(value)
        else:
            return None
    return choices


@bp.route("/rounds/<int:round_id>/bids", methods=["GET", "POST"])
@login_required
def assignment_bids(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "take_part")
    if not review_round.has_bids:
        abort(404)
    error, status = None, 200
    if request.method == "POST":
        choices = _parse(request.form)
        numbers = services.positions(review_round)
        by_number = {n: application_id for application_id, n in numbers.items()}
        if choices is not None:
            choices = ({by_number[n]: bid for n, bid in choices.items()}
                       if set(choices) <= set(by_number) else None)
        if choices is None:
            error, status = "Choose interested, willing, not interested or no preference for each application.", 422
        else:
            try:
                changed = services.save(review_round, choices, actor=current_user, now=utcnow())
            except DomainError as refused:
                db.session.rollback()
                error, status = str(refused), 422
            else:
                db.session.commit()
                flash(f"Your preferences are saved ({changed} changed)." if changed else "Nothing changed.", "success")
                return redirect(url_for(".assignment_bids", round_id=review_round.id, page=request.args.get("page")))
    page = paginate(services.biddable_query(review_round, current_user.id))
    numbers = services.positions(review_round)
    current = services.bids_of(review_round, current_user.id, [a.id for a in page.items])
    rows = [{"number": numbers.get(a.id), "label": f"Application {numbers.get(a.id, '?')}", "track": review_round.challenge.track,
             "grades": a.grades, "neighbourhood": a.neighbourhood, "summary": services.summary(a),
             "bid": current.get(a.id)} for a in page.items]
    rows.sort(key=lambda row: row["number"] or 0)  # never in the order the teams applied
    return render_template("reviews/assign_bids.html", round=review_round, page=page, rows=rows, Bid=Bid,
                           is_open=utcnow() < review_round.closes_at, error=error), status
