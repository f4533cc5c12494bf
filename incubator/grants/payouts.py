"""Paying an approved tranche (payouts area): the job on the `payments` queue, settling from
the gateway, the explicit retry.

- `queue_payout(tranche)`: enqueue `pay_tranche(tranche.id)` on the payments queue after commit.
- `pay_tranche(tranche_id)`: the job (claim by compare-and-set, transfer with the row's key).
- `settle(tranche, transfer, *, actor=None)`: processing -> paid with the gateway's transfer,
  and its ledger line (the webhook and the reconciler use it).
- `retry(tranche, *, actor, now)`: failed -> approved (the next attempt), queued again.
"""
