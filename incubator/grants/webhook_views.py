"""Stripe's webhook (stripe area): signature checked, each event once, objects re-read
(`webhooks.handle_delivery`). No session, no CSRF: Stripe's signature is the authentication."""
from flask import current_app, jsonify, request

from incubator.core.errors import DomainError
from incubator.extensions import csrf, db
from incubator.grants import webhooks
from incubator.grants.views import bp

PAYLOAD_MAX = 512 * 1024   # Stripe's events are a few kilobytes


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    if (request.content_length or 0) > PAYLOAD_MAX:
        current_app.logger.warning("Stripe webhook refused: a payload of %s bytes", request.content_length)
        return jsonify(error="payload too large"), 413
    payload = request.get_data(cache=False)
    try:
        delivery = webhooks.handle_delivery(payload, request.headers.get("Stripe-Signature"))
        if delivery.status == 200:
            db.session.commit()
        else:
            db.session.rollback()
    except DomainError as error:
        # Someone else (the reconciler, the payout job) changed the tranche meanwhile: nothing
        # is kept, and Stripe delivers the event again later.
        db.session.rollback()
        current_app.logger.warning("Stripe webhook: not handled this time: %s", error)
        return jsonify(received=False, outcome="retry"), 503
    except Exception:
        db.session.rollback()
        raise
    return jsonify(received=delivery.status == 200, outcome=delivery.outcome), delivery.status
