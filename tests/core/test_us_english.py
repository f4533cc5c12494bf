"""The portal serves US organizations: what a person reads is in US English.

Code names may stay British (`organisation_id`, `/admin/organisations`, `neighbourhood`
form fields), so the checks look at the words people read: the text of the templates
outside their tags, the quoted sentences inside them, the mail templates, and the pages,
CSV, PDF and audit trail as each role sees them.
"""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from incubator.applications.pdf import render_application
from incubator.applications.models import Application
from incubator.challenges.demo import QUESTIONS, SUMMARY, TRANSITION_QUESTIONS, TRANSITION_SUMMARY
from incubator.extensions import db
from tests.test_routes import NO_ID, routes_with_ids, world  # noqa: F401 (a fixture)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# British spellings, each a word stem. A code name is joined to its neighbors by `_`, `.`,
# `/` or `-` (organisation_id, .organisation, /admin/organisations), so those do not count.
BRITISH = [
    r"organis(?:e|es|ed|ing|ation|ations|ation's|ations')", r"neighbour(?:s|hood|hoods|ing)?",
    r"personalis(?:e|ed|ation)", r"programmes?", r"colours?", r"behaviours?",
    r"favour(?:s|ed|ite|ites)?", r"centres?", r"licence", r"recognis(?:e|es|ed|ing)",
    r"summaris(?:e|es|ed|ing)", r"prioritis(?:e|es|ed|ing)", r"normalis(?:e|es|ed|ing)",
    r"authoris(?:e|es|ed|ing|ation)", r"analys(?:e|es|ed|ing)", r"enrol|enrols|enrolment",
    r"cancell(?:ed|ing)", r"whilst", r"amongst", r"judgement", r"catalogue", r"cheque",
    r"sanitis(?:e|es|ed|ing)", r"capitalis(?:e|es|ed|ing)", r"un?ticked|untick|tick the box",
]
BRITISH_WORD = re.compile(r"(?<![\w/.\-])(?:" + "|".join(BRITISH) + r")(?![\w/\-])", re.IGNORECASE)
TAG = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.DOTALL)
QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")


def british_words(text: str) -> list[str]:
    return [m.group(0) for m in BRITISH_WORD.finditer(text)]


def template_text(source: str) -> str:
    """The words of a template a person reads: its text, and the sentences quoted in its tags."""
    parts = TAG.split(source)
    for tag in TAG.findall(source):
        for quoted in QUOTED.finditer(tag):
            said = quoted.group(1) or quoted.group(2) or ""
            if " " in said or said[:1].isupper():  # a sentence or a label, not an endpoint or a name
                parts.append(said)
    return "\n".join(parts)


class _Text(HTMLParser):
    """The text of a page, and the attributes a person reads (titles, placeholders, labels)."""

    def __init__(self):
        super().__init__()
        self.words = []

    def handle_data(self, data):
        self.words.append(data)

    def handle_starttag(self, tag, attrs):
        self.words += [value or "" for name, value in attrs if name in ("title", "placeholder", "aria-label", "alt")]


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.words)


def test_the_scan_finds_british_words_and_leaves_code_names_alone():
    assert british_words("Organisations · Neighbourhood · personalised learning · programme team") == [
        "Organisations", "Neighbourhood", "personalised", "programme"]
    assert british_words("Tick the box. Files are recognised by their content; it was cancelled.") == [
        "Tick the box", "recognised", "cancelled"]
    assert british_words("organization neighborhood personalized program color behavior canceled") == []
    assert british_words("organisation_id /admin/organisations challenge.organisation.name neighbourhood-x") == []
    assert template_text("<p>{{ org.organisation.name }} is an organisation</p>").count("organisation") == 1
    assert british_words(template_text("{% do links.append((url_for('admin.organisations_list'), 'Organisations')) %}")) == [
        "Organisations"]


@pytest.mark.parametrize("path", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*")
                                        if p.is_file()), ids=str)
def test_templates_read_in_us_english(path):
    assert british_words(template_text((TEMPLATES / path).read_text())) == [], path


def test_demo_prose_reads_in_us_english():
    assert british_words(SUMMARY) == []
    assert british_words(TRANSITION_SUMMARY) == []
    assert british_words(repr(QUESTIONS + TRANSITION_QUESTIONS)) == []  # labels, help and choices


def test_audit_sentences_read_in_us_english(app):
    from incubator.core import audit_words

    said = [phrase for phrase in audit_words._phrases.values() if isinstance(phrase, str)]
    assert len(said) > 20
    assert british_words(" ".join(said + list(audit_words.state_words.values()))) == []


def _walk(client, app, ids):
    """Every page without a form post that `client` may see: the route's text, one by one."""
    seen = {}
    urls = [url for method, url in routes_with_ids(app, ids) if method == "GET"]
    urls += [rule.rule for rule in app.url_map.iter_rules()
             if rule.rule in NO_ID and "GET" in rule.methods and "<" not in rule.rule]
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        if response.mimetype == "text/html":
            seen[url] = page_text(response.get_data(as_text=True))
        elif response.mimetype == "text/csv":
            seen[url] = response.get_data(as_text=True)
    return seen


def test_every_page_reads_in_us_english_for_each_role(app, make_client, admin, staff, world):
    lead = db.session.get(Application, world["application_id"]).team.members[0].user
    walked = 0
    for person in (None, admin, staff, lead):
        for url, text in _walk(make_client(person), app, world).items():
            walked += 1
            assert british_words(text) == [], f"{url} as {person.email if person else 'a visitor'}"
    assert walked > 25


def test_the_application_form_and_its_pdf_read_in_us_english(app, make_client, world):
    application = db.session.get(Application, world["application_id"])
    content = render_application(application, compress=False)
    text = b"\n".join(re.findall(rb"\((.*?)\) Tj", content)).decode("latin-1")  # the text drawn
    assert "Neighborhood" in text
    assert british_words(text) == []


def test_messages_a_person_is_told_read_in_us_english(app, make_client, admin, org):
    browser = make_client(admin)
    response = browser.post("/admin/organisations/new", data={"name": "Other", "slug": org.slug, "timezone": "UTC"})
    assert response.status_code == 422 and "is taken by another organization." in response.text
    assert british_words(page_text(response.text)) == []
    response = browser.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 422 and "Check the box to confirm the deactivation." in response.text
    assert british_words(page_text(response.text)) == []
