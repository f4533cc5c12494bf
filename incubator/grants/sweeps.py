"""The grants domain's hourly sweep (offers area), on the `default` queue as incubation's is:
on-date tranches whose local day has begun become due, and offers past their expiry expire.
Both parts are compare-and-set moves, so running the sweep twice (or two workers at once)
changes nothing the second time."""
import logging
from datetime import datetime, timedelta


from incubator.core.jobs import fixed_job_id, periodic, run_parts
from incubator.core.timeutil import utcnow
from incubator.grants import offers, tranches

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(hours=1)


def run_sweep(now: datetime | None = None) -> dict[str, int]:
    """Make dated tranches due, then expire offers; each part commits its own work. A part that
    fails does not stop the other; the first failure is raised at the end."""
    return run_parts("Grants sweep", (("tranches due", tranches.make_dated_due),
                                      ("offers expired", offers.expire_offers)), now or utcnow())


def _job_id() -> str:
    return fixed_job_id("grants-sweep")


@periodic("default")
def start_sweep() -> None:
    """A worker serving `default` starts the hourly sweep (half a minute after it starts)."""
    schedule_sweep(timedelta(seconds=30))


def schedule_sweep(delay: timedelta = SWEEP_EVERY) -> None:
    """Schedule the sweep; scheduling it again only moves the one sweep (a fixed job id)."""
    from incubator.core.jobs import queue

    queue("default").enqueue_in(delay, sweep, job_id=_job_id())


def sweep() -> dict[str, int]:
    """Job: the sweep now, then the next one in an hour (even when this one failed)."""
    try:
        counts = run_sweep()
    finally:
        schedule_sweep()
    if any(counts.values()):
        log.info("Grants sweep: %s", ", ".join(f"{n} {name}" for name, n in counts.items()))
    return counts
