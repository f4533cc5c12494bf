"""The maths, against numbers worked out by hand."""
import pytest

from incubator.readiness import scoring

DOMAINS = {"vision": ["v1", "v2", "v3"], "team": ["t1", "t2"], "money": ["m1"]}


def test_a_domain_score_is_the_mean_of_the_answered_items_only():
    # v1=4, v2=2, v3 unanswered -> (4+2)/2 = 3; t1 "not sure" (None), t2=1 -> 1; m1 unanswered -> not rated
    scores = scoring.domain_scores({"v1": 4, "v2": 2, "t1": None, "t2": 1}, DOMAINS)
    assert scores == {"vision": 3.0, "team": 1.0, "money": None}


def test_a_domain_nobody_answered_is_not_rated_never_zero():
    assert scoring.domain_score([None, None]) is None
    assert scoring.domain_score([]) is None


def test_values_outside_one_to_four_do_not_count():
    assert scoring.domain_score([0, 5, 3, True, "4"]) == 3.0


def test_composite_spread_and_raters_over_the_members_who_rated_the_domain():
    a = {"vision": 3.0, "team": 1.0, "money": None}
    b = {"vision": 2.0, "team": 4.0, "money": None}
    c = {"vision": 4.0, "team": None, "money": 2.5}
    summary = scoring.summarise([a, b, c], ["vision", "team", "money"])
    # vision: (3+2+4)/3 = 3.0, spread 4-2 = 2; team: (1+4)/2 = 2.5 from two raters, spread 3
    assert summary["vision"] == scoring.DomainSummary(3.0, 2.0, 3)
    assert summary["team"] == scoring.DomainSummary(2.5, 3.0, 2)
    # money: one rater: the spread is "one rater" (None), not 0
    assert summary["money"] == scoring.DomainSummary(2.5, None, 1)


def test_a_domain_that_no_member_rated_has_no_composite():
    summary = scoring.summarise([{"vision": None}, {"vision": None}], ["vision"])
    assert summary["vision"] == scoring.DomainSummary(None, None, 0)
    assert not summary["vision"].is_rated


def test_two_members_with_the_same_score_have_a_spread_of_zero():
    assert scoring.summarise([{"d": 2.5}, {"d": 2.5}], ["d"])["d"].spread == 0


def test_disagreements_are_items_two_or_more_levels_apart_largest_first():
    members = [{"v1": 1, "v2": 2, "v3": 4, "t1": None}, {"v1": 3, "v2": 3, "v3": 1, "t1": 4}, {"v1": 2, "v2": 3}]
    found = scoring.disagreements(members, ["v1", "v2", "v3", "t1"])
    # v3: 4 vs 1 (3 apart) before v1: 1 vs 3 (2 apart); v2 differs by 1; t1 has one rater only
    assert [(d.item, d.lowest, d.highest, d.values) for d in found] == [("v3", 1, 4, (4, 1)), ("v1", 1, 3, (1, 3, 2))]


def test_not_sure_never_makes_a_disagreement():
    assert scoring.disagreements([{"x": None}, {"x": 4}, {"x": 4}], ["x"]) == []


@pytest.mark.parametrize("staff, team, expected", [(3.0, 2.5, 0.5), (1.0, 2.5, -1.5), (None, 2.0, None),
                                                   (2.0, None, None)])
def test_the_gap_is_staff_minus_team(staff, team, expected):
    assert scoring.gap(staff, team) == expected


def test_members_are_named_by_letter():
    assert scoring.member_labels(3) == ["Member A", "Member B", "Member C"]
    assert scoring.member_labels(28)[26:] == ["Member AA", "Member AB"]


def test_the_scoring_module_needs_neither_flask_nor_the_database():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(scoring))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert not imported & {"flask", "sqlalchemy", "incubator"}
