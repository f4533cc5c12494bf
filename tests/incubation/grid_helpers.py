"""Reading the cohort grid page as a person does (the counts, the rows, each cell's words and
link), and putting a team's milestones into the states a test needs. Shared by test_grid_*."""
import re
from datetime import timedelta
from html.parser import HTMLParser

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.states import MilestoneStatus


class _GridParser(HTMLParser):
    """The grid's column headers and, per row, its header text and link and each cell's text and link."""

    def __init__(self):
        super().__init__()
        self.columns, self.rows = [], []
        self._in_grid = self._in_head = False
        self._cell = None  # (kind, text parts, hrefs)
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "cohort-grid" in (attrs.get("class") or ""):
            self._in_grid = True
        if not self._in_grid:
            return
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self._row = {"header": "", "team_href": None, "cells": [], "class": attrs.get("class") or "",
                         "links": []}
        elif tag in ("th", "td"):
            self._cell = {"text": [], "hrefs": [], "class": attrs.get("class") or ""}
        elif tag == "a" and self._cell is not None:
            self._cell["hrefs"].append(attrs.get("href"))

    def handle_endtag(self, tag):
        if not self._in_grid:
            return
        if tag == "table":
            self._in_grid = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join(" ".join(self._cell["text"]).split())
            if self._in_head:
                self.columns.append(text)
            elif tag == "th":
                self._row["header"], self._row["links"] = text, self._cell["hrefs"]
            else:
                self._row["cells"].append({"text": text, "href": (self._cell["hrefs"] or [None])[0],
                                           "class": self._cell["class"]})
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"].append(data)


class Page:
    def __init__(self, html: str):
        self.html = html
        parser = _GridParser()
        parser.feed(html)
        self.columns = parser.columns[1:]  # the first is "Team"
        self.rows = parser.rows

    def row(self, school_name: str) -> dict:
        found = [r for r in self.rows if r["header"].startswith(school_name)]
        assert len(found) == 1, f"{school_name!r} among {[r['header'] for r in self.rows]}"
        return found[0]

    def cell(self, school_name: str, column_starts: str) -> dict:
        index = [i for i, c in enumerate(self.columns) if c.split(". ", 1)[-1].startswith(column_starts)]
        assert len(index) == 1, f"{column_starts!r} among {self.columns}"
        return self.row(school_name)["cells"][index[0]]

    @property
    def schools(self) -> list[str]:
        return [r["header"] for r in self.rows]

    @property
    def counts(self) -> dict[str, int]:
        pairs = re.findall(r'<span class="count-n">(\d+)</span> <span class="count-what">([a-z ]+)</span>', self.html)
        return {what: int(n) for n, what in pairs}

    @property
    def next_due(self) -> list[str]:
        block = re.search(r'<ol class="next-due".*?</ol>', self.html, re.S)
        if not block:
            return []
        return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in re.findall(r"<li>(.*?)</li>", block.group(0), re.S)]


def everything_later(world, days: int = 60):
    """Every milestone of the world's cohort not submitted and due `days` from today (so none is late)."""
    day = utcnow().date() + timedelta(days=days)
    for team in world.teams:
        for milestone in team.milestones:
            set_state(milestone, MilestoneStatus.pending, due_on=day)
    db.session.commit()


def set_state(milestone, status: MilestoneStatus, *, due_on=None, activity: str = "", activity_days_ago: int = 1):
    """Put a milestone in `status` (with the times its constraints need), due on `due_on` if given."""
    now = utcnow()
    if due_on is not None:
        milestone.due_on = due_on
        milestone.due_at = schedule.due_moment(due_on, milestone.cohort_team.cohort.timezone)
    milestone.status = status
    milestone.submitted_at = None if status == MilestoneStatus.pending else now - timedelta(days=2)
    milestone.approved_at = now - timedelta(days=1) if status == MilestoneStatus.approved else None
    milestone.last_activity = activity
    milestone.last_activity_at = now - timedelta(days=activity_days_ago) if activity else None
