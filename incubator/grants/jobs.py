"""The grants domain's jobs, imported by workers (core.jobs.job_modules): the payout job and
the reconciler (payments queue), and the sweeps that make dated tranches due and expire offers."""
from incubator.grants import events as _events  # noqa: F401  (the milestone subscription)
from incubator.grants import reconcile as _reconcile  # noqa: F401  (the payout job and the reconciler: payments queue)
from incubator.grants import sweeps as _sweeps  # noqa: F401  (offers: dated tranches due, offers expired)
from incubator.grants import letter_jobs as _letter_jobs  # noqa: F401  (letter area: the award letter, pdf queue)
