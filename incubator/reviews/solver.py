"""Automatic reviewer assignment as a min-cost flow (OR-Tools). Pure: no Flask, no database.

Why a min-cost flow (OR-Tools' `SimpleMinCostFlow`) and not a greedy or an assignment solver:
"every application gets k reviewers, each reviewer at most their maximum" is exactly a flow
problem (k units out of each application, at most `cap` units into each reviewer), the
balance and the preferences are costs on its arcs, and the solver proves its answer optimal.
(SciPy's `linear_sum_assignment` solves one-to-one matchings only: k reviewers per application
and a maximum per reviewer would mean copying every node k or max times, and convex balance
costs would not fit; a greedy cannot prove that a short application could not be filled.)

    source --(k - kept)--> application --(1, preference cost)--> reviewer ==(unit arcs)==> sink

- source -> application: capacity k minus the application's kept (existing) assignments;
- application -> reviewer: capacity 1, one arc per allowed pair only (no arc for a
  conflicted pair or a pair already assigned, which keeps the graph lean); its cost is lower
  for each expertise tag the two share and for an "interested" or "willing" bid, higher for
  "not interested";
- reviewer -> sink: one unit arc per extra application the reviewer may take, up to
  min(round max, own max) minus their current load; the arc that takes them to load L costs
  L * BALANCE, so each extra application costs more than the one before (convex).

`solve_max_flow_with_min_cost` maximises the flow first (every application reaches k when
the capacities allow it), then minimises the cost. BALANCE is larger than the whole range
preferences can add up to (`PREFERENCE_SPREAD` times the flow), so among the largest flows the
solver first minimises sum over reviewers of F(load), F convex, and only then prefers tags
and bids. Minimising a separable strictly convex function over the loads a flow allows gives
the most even load vector that the conflicts and caps permit (it is at once min-max and
max-min). What this guarantees, precisely:

- No conflicted pair, no pair twice, no reviewer above min(round max, own max).
- If there are no conflicts, no kept assignments and no personal maximum below the level
  reached, final loads differ by at most 1.
- In general (conflicts, uneven kept assignments, caps): no single move improves balance.
  For every new pair (a, s) and every reviewer r who could take a (not conflicted with a,
  not already on a, below their cap), load(s) - load(r) <= 1. Loads may still differ by more
  than 1 when it cannot be helped: a reviewer whose kept assignments already put them above
  where the others end (the solver never takes a kept assignment away), or one whose
  conflicts leave too few applications for them.

Lean graph: no arc for a conflicted or kept pair, and a reviewer's unit arcs stop at the
number of applications they could take. The solver first tries with every reviewer's arcs
stopping at the average final load + 1; when that places every pair it is optimal for the
full graph too (the most even load vector is also the one with the lowest maximum), and only
otherwise (e.g. conflicts leave one reviewer most of the work) is the full graph solved.

Deterministic: every input is sorted by id before the graph is built and every cost is an
integer, so the same input (in any order) gives the same arcs in the same order, and the
solver the same flow.
"""
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from incubator.reviews.states import Bid

# Arc costs of an application -> reviewer pair: BASE, less for shared tags and a good bid.
BASE_COST = 20
TAG_BONUS, MAX_TAG_BONUS = 3, 12
BID_COST = {Bid.interested: -8, Bid.willing: -4, Bid.not_interested: 40}
PREFERENCE_SPREAD = MAX_TAG_BONUS + BID_COST[Bid.not_interested] - BID_COST[Bid.interested]  # max - min


@dataclass(frozen=True)
class ApplicationNeed:
    id: int
    k: int
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReviewerOffer:
    id: int
    tags: frozenset[str] = frozenset()
    max_load: int | None = None  # the reviewer's own maximum (None: only the round's)
    load: int | None = None      # current load in the round (None: their kept pairs here)


@dataclass
class Plan:
    pairs: list[tuple[int, int]]               # new (application id, reviewer id), sorted
    loads_before: dict[int, int]
    loads_after: dict[int, int]
    caps: dict[int, int | None]                # each reviewer's effective maximum
    unmet: dict[int, int]                      # application id -> reviewers still missing (> 0 only)
    conflicts_avoided: int                     # conflicted pairs among these applications x reviewers
    is_capacity_short: bool
    needed: int = 0                            # new pairs wanted in all
    kept: int = 0                              # existing pairs counted toward k
    per_application: dict[int, list[int]] = field(default_factory=dict)  # new reviewers per application

    @property
    def digest(self) -> str:
        """A fingerprint of the proposal, to notice that applying would place other pairs."""
        text = ";".join(f"{a}:{r}" for a, r in self.pairs)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def pair_cost(app_tags: frozenset[str], reviewer_tags: frozenset[str], bid: Bid | None) -> int:
    shared = len(app_tags & reviewer_tags) if app_tags and reviewer_tags else 0
    return BASE_COST - min(MAX_TAG_BONUS, TAG_BONUS * shared) + (BID_COST[bid] if bid else 0)


def _candidates(wanting: list[ApplicationNeed], open_people: list[ReviewerOffer], blocked: set[tuple[int, int]],
                bids: Mapping[tuple[int, int], Bid]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(application index, reviewer index, cost) of every allowed pair, row-major, as arrays.
    The same as `pair_cost` pair by pair, computed as matrices (200,000 pairs in milliseconds)."""
    if not wanting or not open_people:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    app_index = {a.id: i for i, a in enumerate(wanting)}
    person_index = {r.id: i for i, r in enumerate(open_people)}
    vocabulary = sorted(set().union(*(a.tags for a in wanting)) & set().union(*(r.tags for r in open_people)))
    cost = np.full((len(wanting), len(open_people)), BASE_COST, dtype=np.int64)
    if vocabulary:
        column = {tag: i for i, tag in enumerate(vocabulary)}
        app_tags = np.zeros((len(wanting), len(vocabulary)), dtype=np.int64)
        person_tags = np.zeros((len(open_people), len(vocabulary)), dtype=np.int64)
        for i, a in enumerate(wanting):
            app_tags[i, [column[t] for t in a.tags if t in column]] = 1
        for i, r in enumerate(open_people):
            person_tags[i, [column[t] for t in r.tags if t in column]] = 1
        cost -= np.minimum(MAX_TAG_BONUS, TAG_BONUS * (app_tags @ person_tags.T))
    for (a, r), bid in bids.items():
        if a in app_index and r in person_index and bid:
            cost[app_index[a], person_index[r]] += BID_COST[Bid(bid)]
    allowed = np.ones(cost.shape, dtype=bool)
    for a, r in blocked:
        if a in app_index and r in person_index:
            allowed[app_index[a], person_index[r]] = False
    rows, columns = np.nonzero(allowed)
    return rows.astype(np.int64), columns.astype(np.int64), cost[rows, columns]


def _flow(needs: np.ndarray, pair_apps: np.ndarray, pair_people: np.ndarray, pair_costs: np.ndarray,
          base: np.ndarray, units: np.ndarray, total_need: int) -> np.ndarray:
    """The flow on each application -> reviewer arc of the optimal (max flow, then min cost)
    solution, reviewer i having `units[i]` unit arcs to the sink above their load `base[i]`."""
    balance = PREFERENCE_SPREAD * total_need + 1
    source, sink, first_app = 0, 1, 2
    first_reviewer = first_app + len(needs)
    owners = np.repeat(np.arange(len(units), dtype=np.int64), units)
    steps = np.arange(int(units.sum()), dtype=np.int64) - np.repeat(np.cumsum(units) - units, units)
    levels = np.repeat(base, units) + steps + 1
    tails = np.concatenate([np.full(len(needs), source, dtype=np.int64), first_app + pair_apps, first_reviewer + owners])
    heads = np.concatenate([np.arange(first_app, first_reviewer, dtype=np.int64), first_reviewer + pair_people,
                            np.full(len(owners), sink, dtype=np.int64)])
    capacities = np.concatenate([needs, np.ones(len(pair_apps) + len(owners), dtype=np.int64)])
    costs = np.concatenate([np.zeros(len(needs), dtype=np.int64), pair_costs, levels * balance])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), capacities, costs)
    flow.set_node_supply(source, total_need)
    flow.set_node_supply(sink, -total_need)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:  # pragma: no cover - the graph is built valid; a bug, not a user's error
        raise RuntimeError(f"The assignment solver stopped with status {status}.")
    return flow.flows(np.arange(len(needs), len(needs) + len(pair_apps), dtype=np.int32))


def effective_cap(round_max: int | None, own_max: int | None) -> int | None:
    caps = [c for c in (round_max, own_max) if c is not None]
    return min(caps) if caps else None


def solve(applications: Iterable[ApplicationNeed], reviewers: Iterable[ReviewerOffer], *,
          max_load: int | None = None, existing: Iterable[tuple[int, int]] = (),
          conflicts: Iterable[tuple[int, int]] = (),
          bids: Mapping[tuple[int, int], Bid] | None = None, lean: bool = True) -> Plan:
    """New pairs that bring every application to k reviewers (see the module docstring).

    `existing` and `conflicts` are (application id, reviewer id) pairs; an existing pair that
    is conflicted does not count toward k (the reviewer can no longer see the application).
    `bids` maps (application id, reviewer id) to a Bid. `lean=False` skips the smaller first
    try (see below; for tests, which check that both give the same loads and cost).
    """
    apps = sorted({a.id: a for a in applications}.values(), key=lambda a: a.id)
    people = sorted({r.id: r for r in reviewers}.values(), key=lambda r: r.id)
    conflicted = set(conflicts)
    bids = bids or {}
    app_ids = {a.id for a in apps}
    kept = {p for p in set(existing) if p not in conflicted}
    kept_here = {p for p in kept if p[0] in app_ids}
    kept_per_app: dict[int, int] = {}
    kept_per_reviewer: dict[int, int] = {}
    for a, r in kept_here:
        kept_per_app[a] = kept_per_app.get(a, 0) + 1
    for a, r in kept:
        kept_per_reviewer[r] = kept_per_reviewer.get(r, 0) + 1

    loads_before = {r.id: (r.load if r.load is not None else kept_per_reviewer.get(r.id, 0)) for r in people}
    caps = {r.id: effective_cap(max_load, r.max_load) for r in people}
    need = {a.id: max(0, a.k - kept_per_app.get(a.id, 0)) for a in apps}
    total_need = sum(need.values())
    people_ids = {r.id for r in people}
    conflicts_avoided = sum(1 for a, r in conflicted if a in app_ids and r in people_ids)

    # Candidate pairs, in id order (row-major: by application, then reviewer): the only
    # application -> reviewer arcs. Costs and the allowed pairs are computed as matrices.
    wanting = [a for a in apps if need[a.id] > 0]
    room = {r.id: (None if caps[r.id] is None else max(0, caps[r.id] - loads_before[r.id])) for r in people}
    open_people = [r for r in people if room[r.id] != 0]
    plan = Plan(pairs=[], loads_before=loads_before, loads_after=dict(loads_before), caps=caps, unmet={},
                conflicts_avoided=conflicts_avoided, is_capacity_short=False, needed=total_need,
                kept=len(kept_here))
    pair_apps, pair_people, pair_costs = _candidates(wanting, open_people, conflicted | kept, bids)
    if not len(pair_apps):
        plan.unmet = {a: n for a, n in need.items() if n > 0}
        plan.is_capacity_short = total_need > 0
        return plan
    candidates_of = np.bincount(pair_people, minlength=len(open_people))
    units = np.array([candidates_of[ri] if room[r.id] is None else min(candidates_of[ri], room[r.id])
                      for ri, r in enumerate(open_people)], dtype=np.int64)
    base = np.array([loads_before[r.id] for r in open_people], dtype=np.int64)
    needs = np.array([need[a.id] for a in wanting], dtype=np.int64)
    # First with no reviewer above the average final load plus one: if that flow places every
    # pair, it is the answer with every unit arc too (the most even load vector is also the one
    # with the lowest maximum, so it lies within this ceiling), on a graph a fraction the size.
    ceiling = -(-(total_need + int(base.sum())) // len(open_people)) + 1
    capped = np.minimum(units, np.maximum(0, ceiling - base))
    flows = None
    if lean and int(capped.sum()) < int(units.sum()):
        flows = _flow(needs, pair_apps, pair_people, pair_costs, base, capped, total_need)
        if int(flows.sum()) < total_need:
            flows = None
    if flows is None:
        flows = _flow(needs, pair_apps, pair_people, pair_costs, base, units, total_need)
    got = dict.fromkeys(need, 0)
    for index in np.nonzero(flows)[0]:
        a, r = wanting[int(pair_apps[index])], open_people[int(pair_people[index])]
        plan.pairs.append((a.id, r.id))
        plan.per_application.setdefault(a.id, []).append(r.id)
        plan.loads_after[r.id] += 1
        got[a.id] += 1
    plan.pairs.sort()
    plan.unmet = {a: n - got[a] for a, n in need.items() if n - got[a] > 0}
    plan.is_capacity_short = bool(plan.unmet)
    return plan
