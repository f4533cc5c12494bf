"""The assignment solver by hand on small cases, and its properties over random rounds."""
import random

from hypothesis import given, settings, strategies as st

from incubator.reviews.solver import ApplicationNeed, ReviewerOffer, effective_cap, solve
from incubator.reviews.states import Bid


def apps(n, k=2, tags=frozenset()):
    return [ApplicationNeed(i, k, frozenset(tags)) for i in range(1, n + 1)]


def people(n, **values):
    return [ReviewerOffer(100 + j, **values) for j in range(n)]


def test_every_application_gets_k_reviewers_and_loads_are_even():
    plan = solve(apps(5, k=2), people(3))
    assert len(plan.pairs) == 10 and not plan.unmet and not plan.is_capacity_short
    per_app = {}
    for a, r in plan.pairs:
        per_app.setdefault(a, set()).add(r)
    assert all(len(reviewers) == 2 for reviewers in per_app.values())
    assert sorted(plan.loads_after.values()) == [3, 3, 4]


def test_a_conflicted_pair_is_never_made_and_is_counted_as_avoided():
    conflicts = {(1, 100), (2, 100), (1, 101)}
    plan = solve(apps(2, k=1), people(3), conflicts=conflicts)
    assert not set(plan.pairs) & conflicts
    assert plan.pairs == [(1, 102), (2, 101)]
    assert plan.conflicts_avoided == 3


def test_kept_assignments_count_toward_k_and_load():
    plan = solve(apps(2, k=2), people(3), existing=[(1, 100), (1, 101)])
    assert all(a == 2 for a, _ in plan.pairs) and len(plan.pairs) == 2
    assert plan.loads_before == {100: 1, 101: 1, 102: 0}
    assert 102 in {r for _, r in plan.pairs}  # the idle reviewer is used first
    assert plan.kept == 2


def test_a_conflicted_existing_pair_no_longer_counts_toward_k():
    plan = solve(apps(1, k=1), people(2), existing=[(1, 100)], conflicts={(1, 100)})
    assert plan.pairs == [(1, 101)]


def test_the_round_maximum_and_a_reviewers_own_maximum_are_never_passed():
    reviewers = [ReviewerOffer(100, max_load=1), ReviewerOffer(101), ReviewerOffer(102)]
    plan = solve(apps(4, k=1), reviewers, max_load=2)
    assert plan.loads_after == {100: 1, 101: 2, 102: 1} or plan.loads_after == {100: 1, 101: 1, 102: 2}
    assert not plan.unmet


def test_short_capacity_is_reported_per_application():
    plan = solve(apps(3, k=2), people(2), max_load=2)
    assert plan.is_capacity_short
    assert len(plan.pairs) == 4 and sum(plan.unmet.values()) == 2
    assert set(plan.loads_after.values()) == {2}


def test_no_reviewer_at_all_leaves_every_application_unmet():
    plan = solve(apps(2, k=3), [])
    assert plan.pairs == [] and plan.unmet == {1: 3, 2: 3} and plan.is_capacity_short


def test_matching_expertise_and_bids_decide_between_equally_loaded_reviewers():
    applications = [ApplicationNeed(1, 1, frozenset({"grades:high"})), ApplicationNeed(2, 1, frozenset({"track:x"}))]
    reviewers = [ReviewerOffer(100, frozenset({"track:x"})), ReviewerOffer(101, frozenset({"grades:high"}))]
    assert solve(applications, reviewers).pairs == [(1, 101), (2, 100)]
    # A strong bid against the expertise wins: interested + no tag beats not interested + a tag.
    bids = {(1, 101): Bid.not_interested, (1, 100): Bid.interested}
    assert solve(applications, reviewers, bids=bids).pairs == [(1, 100), (2, 101)]


def test_preferences_never_unbalance_the_loads():
    # Everyone is interested in reviewer 100, but each reviewer still gets 2.
    bids = {(a, 100): Bid.interested for a in range(1, 5)}
    bids.update({(a, 101): Bid.not_interested for a in range(1, 5)})
    plan = solve(apps(4, k=1), people(2), bids=bids)
    assert plan.loads_after == {100: 2, 101: 2}


def test_effective_cap():
    assert effective_cap(None, None) is None
    assert effective_cap(5, None) == 5 and effective_cap(None, 3) == 3 and effective_cap(5, 3) == 3
    assert effective_cap(2, 0) == 0


def test_the_digest_changes_with_the_pairs():
    one = solve(apps(2, k=1), people(2))
    other = solve(apps(2, k=1), people(2), conflicts={one.pairs[0]})
    assert one.digest != other.digest
    assert one.digest == solve(apps(2, k=1), people(2)).digest


# ---- properties over random rounds ------------------------------------------------------------

TAGS = ("track:new_school", "grades:middle", "grades:high", "neighbourhood:treme", "element:learner_profiles")


@st.composite
def rounds(draw):
    n_apps = draw(st.integers(0, 12))
    n_people = draw(st.integers(0, 7))
    k = draw(st.integers(1, 3))
    app_list = [ApplicationNeed(i, k, frozenset(draw(st.sets(st.sampled_from(TAGS), max_size=3))))
                for i in range(1, n_apps + 1)]
    reviewer_list = [ReviewerOffer(100 + j, frozenset(draw(st.sets(st.sampled_from(TAGS), max_size=3))),
                                   draw(st.one_of(st.none(), st.integers(0, 6))))
                     for j in range(n_people)]
    pairs = [(a.id, r.id) for a in app_list for r in reviewer_list]
    conflicts = set(draw(st.lists(st.sampled_from(pairs), max_size=len(pairs) // 4))) if pairs else set()
    free = [p for p in pairs if p not in conflicts]
    existing = set(draw(st.lists(st.sampled_from(free), max_size=4))) if free else set()
    bids = {p: draw(st.sampled_from(list(Bid))) for p in draw(st.lists(st.sampled_from(pairs), max_size=8))} \
        if pairs else {}
    max_load = draw(st.one_of(st.none(), st.integers(1, 8)))
    return app_list, reviewer_list, {"max_load": max_load, "existing": existing, "conflicts": conflicts, "bids": bids}


def caps_of(reviewer_list, max_load):
    return {r.id: effective_cap(max_load, r.max_load) for r in reviewer_list}


def max_flow(app_list, reviewer_list, options) -> int:
    """The most new pairs any assignment could make (a plain augmenting-path max flow)."""
    kept = {p for p in options["existing"] if p not in options["conflicts"]}
    need = {a.id: max(0, a.k - sum(1 for p in kept if p[0] == a.id)) for a in app_list}
    loads = {r.id: sum(1 for p in kept if p[1] == r.id) for r in reviewer_list}
    room = {r: (10**6 if c is None else max(0, c - loads[r])) for r, c in caps_of(reviewer_list, options["max_load"]).items()}
    allowed = {a.id: [r.id for r in reviewer_list if (a.id, r.id) not in options["conflicts"] and (a.id, r.id) not in kept]
               for a in app_list}
    owner: dict[int, list[int]] = {r.id: [] for r in reviewer_list}  # reviewer -> applications given

    def augment(a, seen):
        for r in allowed[a]:
            if r in seen or a in owner[r]:
                continue
            seen.add(r)
            if len(owner[r]) < room[r]:
                owner[r].append(a)
                return True
            for other in list(owner[r]):
                if r not in [x for x in allowed[other]]:
                    continue
                owner[r].remove(other)
                owner[r].append(a)
                if augment(other, seen):
                    return True
                owner[r].remove(a)
                owner[r].append(other)
        return False

    total = 0
    for a in app_list:
        for _ in range(need[a.id]):
            if augment(a.id, set()):
                total += 1
    return total


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_no_conflicted_pair_no_duplicate_no_cap_passed(case):
    app_list, reviewer_list, options = case
    plan = solve(app_list, reviewer_list, **options)
    assert not set(plan.pairs) & options["conflicts"]
    assert len(set(plan.pairs)) == len(plan.pairs)
    assert not set(plan.pairs) & set(options["existing"])
    for r, cap in caps_of(reviewer_list, options["max_load"]).items():
        assert cap is None or plan.loads_after[r] <= max(cap, plan.loads_before[r])
        assert plan.loads_after[r] - plan.loads_before[r] == sum(1 for _, x in plan.pairs if x == r)


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_every_application_reaches_k_when_capacity_allows(case):
    app_list, reviewer_list, options = case
    plan = solve(app_list, reviewer_list, **options)
    kept = {p for p in options["existing"] if p not in options["conflicts"]}
    for a in app_list:
        have = sum(1 for p in kept if p[0] == a.id) + sum(1 for p in plan.pairs if p[0] == a.id)
        assert have + plan.unmet.get(a.id, 0) >= a.k
        assert have <= max(a.k, sum(1 for p in kept if p[0] == a.id))
    # The flow is maximal: no assignment could place more pairs.
    assert len(plan.pairs) == max_flow(app_list, reviewer_list, options)
    assert plan.is_capacity_short == bool(plan.unmet)


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_no_single_move_would_balance_the_loads_better(case):
    """What the solver guarantees in general (see solver.py): a reviewer s given a new pair is
    at most 1 above any reviewer r who could have taken that application instead."""
    app_list, reviewer_list, options = case
    plan = solve(app_list, reviewer_list, **options)
    caps = caps_of(reviewer_list, options["max_load"])
    assigned = {p for p in options["existing"]} | set(plan.pairs)
    for a, s in plan.pairs:
        for r in caps:
            if r == s or (a, r) in options["conflicts"] or (a, r) in assigned:
                continue
            if caps[r] is not None and plan.loads_after[r] >= caps[r]:
                continue
            assert plan.loads_after[s] - plan.loads_after[r] <= 1, (a, s, r, plan.loads_after)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 15), st.integers(1, 6), st.integers(1, 3), st.one_of(st.none(), st.integers(1, 10)))
def test_without_conflicts_or_kept_pairs_loads_differ_by_at_most_one(n_apps, n_people, k, max_load):
    plan = solve(apps(n_apps, k=min(k, n_people)), people(n_people), max_load=max_load)
    loads = list(plan.loads_after.values())
    assert max(loads) - min(loads) <= 1


@settings(max_examples=60, deadline=None)
@given(rounds(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_order_of_the_input(case, rng):
    app_list, reviewer_list, options = case
    first = solve(app_list, reviewer_list, **options)
    again = solve(app_list, reviewer_list, **options)
    shuffled_apps, shuffled_people = list(app_list), list(reviewer_list)
    rng.shuffle(shuffled_apps), rng.shuffle(shuffled_people)
    existing, conflicts = list(options["existing"]), list(options["conflicts"])
    rng.shuffle(existing), rng.shuffle(conflicts)
    bids = dict(sorted(options["bids"].items(), key=lambda _: rng.random()))
    shuffled = solve(shuffled_apps, shuffled_people, max_load=options["max_load"], existing=existing,
                     conflicts=conflicts, bids=bids)
    assert first.pairs == again.pairs == shuffled.pairs
    assert first.loads_after == shuffled.loads_after and first.unmet == shuffled.unmet


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_existing_assignments_are_kept(case):
    app_list, reviewer_list, options = case
    plan = solve(app_list, reviewer_list, **options)
    # Nothing kept is proposed again or taken away; the kept pairs' reviewers keep their loads.
    for r in plan.loads_before:
        assert plan.loads_after[r] >= plan.loads_before[r]
    assert plan.kept == len({p for p in options["existing"] if p not in options["conflicts"]
                             and p[0] in {a.id for a in app_list}})


def test_a_larger_random_round_is_balanced_and_complete():
    rng = random.Random(8)
    app_list = apps(300, k=3)
    reviewer_list = people(20)
    conflicts = {(a.id, r.id) for a in app_list for r in reviewer_list if rng.random() < 0.05}
    plan = solve(app_list, reviewer_list, conflicts=conflicts)
    assert not plan.unmet and len(plan.pairs) == 900
    assert max(plan.loads_after.values()) - min(plan.loads_after.values()) <= 1


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_the_matrix_costs_are_the_pair_costs(case):
    from incubator.reviews.solver import _candidates, pair_cost

    app_list, reviewer_list, options = case
    blocked = set(options["conflicts"]) | set(options["existing"])
    rows, columns, costs = _candidates(app_list, reviewer_list, blocked, options["bids"])
    expected = [(i, j, pair_cost(a.tags, r.tags, options["bids"].get((a.id, r.id))))
                for i, a in enumerate(app_list) for j, r in enumerate(reviewer_list) if (a.id, r.id) not in blocked]
    assert list(zip(rows.tolist(), columns.tolist(), costs.tolist())) == expected


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_the_lean_first_try_gives_the_loads_and_cost_of_the_full_graph(case):
    from incubator.reviews.solver import pair_cost

    app_list, reviewer_list, options = case
    lean, full = solve(app_list, reviewer_list, **options), solve(app_list, reviewer_list, lean=False, **options)
    tags = {a.id: a.tags for a in app_list}, {r.id: r.tags for r in reviewer_list}

    def cost(plan):
        return sum(pair_cost(tags[0][a], tags[1][r], options["bids"].get((a, r))) for a, r in plan.pairs)

    # Both are optimal: the same spread of loads (which reviewer is idle may differ between
    # equally good answers), as many pairs, the same preference cost.
    assert sorted(lean.loads_after.values()) == sorted(full.loads_after.values())
    assert len(lean.pairs) == len(full.pairs) and cost(lean) == cost(full)


def test_a_reviewer_who_must_take_more_than_the_average_still_does():
    # Reviewer 100 is the only one free of conflicts with applications 1-4: the lean try fails
    # (the ceiling is the average + 1) and the full graph places every pair.
    app_list = apps(6, k=1)
    reviewer_list = people(3)
    conflicts = {(a, r) for a in range(1, 5) for r in (101, 102)}
    plan = solve(app_list, reviewer_list, conflicts=conflicts)
    assert not plan.unmet and plan.loads_after[100] == 4
