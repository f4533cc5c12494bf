"""Who is told what by mail (mail area), in wording each organisation edits (core.mail_templates).
Every function queues mail in the caller's transaction (core.mail.queue_mail) and sends nothing
itself. Until the mail area writes them they do nothing."""


def offer_made(grant) -> None:
    """The grantee's team: an offer to read and accept by its expiry."""


def grant_answered(grant) -> None:
    """The staff member who offered (and the organisation's program staff): accepted or declined."""


def release_requested(tranche) -> None:
    """The organisation's finance users other than the requester: a release awaits approval."""


def payout_paid(tranche) -> None:
    """The grantee's team: a tranche was paid."""


def payout_failed(tranche) -> None:
    """The organisation's finance users: a payout failed (Stripe's message), or needs attention."""
