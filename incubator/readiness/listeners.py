"""Every new organization gets the default instrument, without the accounts domain knowing
about readiness: a session hook adds it in the same flush as the organization."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from incubator.accounts.models import Organisation


@event.listens_for(Session, "before_flush")
def _default_instrument_for_new_organisations(session, flush_context, instances):
    from incubator.readiness.instruments import default_instrument

    for org in [o for o in session.new if isinstance(o, Organisation)]:
        session.add(default_instrument(org))
