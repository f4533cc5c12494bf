"""The award letter PDF (reportlab, through core.pdf): the organisation, the grantee (the school
or team and its lead), the kind and amount, the terms (Markdown, rendered into paragraphs
safely), the tranche schedule, the offer's expiry and, once accepted, the acceptance record.

Deterministic: the same grant state makes the same bytes (core.pdf builds with `invariant=1`,
and nothing here reads the clock), so the SHA-256 of the file identifies the exact letter a
grantee accepted.

Markdown is first made HTML by the `markdown` library, then walked with the standard library's
HTML parser: headings, paragraphs, list items and bold/italic become reportlab paragraphs;
every other tag is dropped and its text kept, escaped (reportlab's paragraph markup never sees
a tag it was not given by this module).
"""
import io
from html.parser import HTMLParser
from xml.sax.saxutils import escape

import markdown as _markdown
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from incubator.core import pdf as shared
from incubator.core.money import format_cents
from incubator.core.timeutil import format_local
from incubator.grants.states import DueCondition, GrantStatus

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {"p", "li", "pre", "blockquote", "td", "th"}
INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i"}
MAX_BLOCKS = 2_000  # terms are at most 20,000 characters; a safety net, not a limit a person meets


class _TermsParser(HTMLParser):
    """Collects (kind, markup) blocks: kind is "heading", "body" or "bullet"; markup is escaped
    text with only <b> and <i> (balanced) in it."""

    def __init__(self, clean):
        super().__init__(convert_charrefs=True)
        self.clean = clean
        self.blocks: list[tuple[str, str, str]] = []  # (kind, markup, bullet text)
        self.parts: list[str] = []
        self.open_inline: list[str] = []
        self.kind = "body"
        self.lists: list[list] = []  # [tag, counter]
        self.bullet = ""

    def _flush(self):
        for tag in reversed(self.open_inline):
            self.parts.append(f"</{tag}>")
        text = "".join(self.parts).strip()
        if text and len(self.blocks) < MAX_BLOCKS:
            self.blocks.append((self.kind, text, self.bullet))
        self.parts = [f"<{tag}>" for tag in self.open_inline]
        self.kind, self.bullet = "body", ""

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self._flush()
            self.lists.append([tag, 0])
        elif tag in BLOCKS:
            self._flush()
            if tag in HEADINGS:
                self.kind = "heading"
            elif tag == "li":
                self.kind = "bullet"
                if self.lists:
                    self.lists[-1][1] += 1
                    kind, n = self.lists[-1]
                    self.bullet = f"{n}." if kind == "ol" else "\u2022"
                else:
                    self.bullet = "\u2022"
        elif tag == "br":
            self.parts.append("<br/>")
        elif tag in INLINE:
            mapped = INLINE[tag]
            self.open_inline.append(mapped)
            self.parts.append(f"<{mapped}>")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in BLOCKS:
            self._flush()
        elif tag in INLINE:
            mapped = INLINE[tag]
            if mapped in self.open_inline:
                # close down to it and reopen what was inside (keeps the markup balanced)
                index = len(self.open_inline) - 1 - self.open_inline[::-1].index(mapped)
                inner = self.open_inline[index + 1:]
                for t in reversed(self.open_inline[index:]):
                    self.parts.append(f"</{t}>")
                self.open_inline = self.open_inline[:index] + inner
                self.parts.extend(f"<{t}>" for t in inner)

    def handle_data(self, data):
        self.parts.append(self.clean(data))

    def close(self):
        super().close()
        self.open_inline, saved = [], self.open_inline
        self.parts.extend(f"</{t}>" for t in reversed(saved))
        self._flush()


def terms_blocks(terms: str, clean) -> list[tuple[str, str, str]]:
    """The terms as (kind, markup, bullet) blocks; `clean(text)` escapes and makes text drawable."""
    html = _markdown.markdown(terms or "", extensions=["sane_lists"], output_format="html")
    parser = _TermsParser(clean)
    parser.feed(html)
    parser.close()
    return parser.blocks


def condition_text(tranche, clean) -> str:
    condition = DueCondition(tranche.condition)
    if condition is DueCondition.on_acceptance:
        return "On acceptance"
    if condition is DueCondition.on_date:
        return f"On {tranche.due_on:%-d %B %Y}" if tranche.due_on else "On a date"
    return f"When \u201c{clean(tranche.milestone_title)}\u201d is approved"


def render_letter(grant, *, compress: bool = True) -> bytes:
    font = shared.fonts()
    style = shared.styles(font)
    org = grant.organisation
    tz = org.timezone

    def clean(value) -> str:
        return escape(shared.drawable(value, font))

    def para(text: str, kind: str = "body") -> Paragraph:
        return Paragraph(text, style[kind])

    team = grant.grantee_team
    lead = team.lead if team is not None else None
    amount = format_cents(grant.amount_cents)
    story = [
        para(f"{clean(org.name)}: award letter", "title"),
        para(f"<b>{clean(grant.kind.label)}</b> of <b>{amount} {clean(grant.currency)}</b> to "
             f"<b>{clean(grant.grantee_name)}</b>"
             + (f" (team {clean(team.name)})" if team is not None and team.name != grant.grantee_name else "")
             + "."),
    ]
    if lead is not None:
        story.append(para(f"Addressed to {clean(lead.display_name)}, the team's lead, who may accept it on behalf "
                          f"of {clean(grant.grantee_name)}."))
    story.append(para(f"Grant number {grant.id}, offered on {clean(format_local(grant.offered_at, tz, '%-d %B %Y'))}. "
                      f"Pool: {clean(grant.challenge.title)}."))
    story.append(para(f"This offer can be accepted until the end of {grant.expires_on:%-d %B %Y} "
                      f"({clean(format_local(grant.expires_at, tz, '%Z'))}, {clean(tz)} time)."))

    story.append(para("Terms", "heading"))
    blocks = terms_blocks(grant.terms, clean)
    if not blocks:
        story.append(para("No further terms."))
    for kind, markup, bullet in blocks:
        if kind == "heading":
            story.append(para(markup, "question"))
        elif kind == "bullet":
            story.append(Paragraph(markup, style["body"], bulletText=bullet))
        else:
            story.append(para(markup))

    story.append(para("Payment schedule", "heading"))
    rows = [["", "Amount", "When it becomes due"]]
    for tranche in grant.tranches:
        rows.append([str(tranche.position), para(format_cents(tranche.amount_cents), "money"),
                     para(condition_text(tranche, clean), "cell")])
    rows.append(["", para(f"<b>{amount}</b>", "money"), para("<b>Total</b>", "cell")])
    table = Table(rows, colWidths=[0.4 * inch, 1.4 * inch, shared.FRAME_WIDTH - 1.8 * inch],
                  hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), font.bold), ("FONTNAME", (0, 1), (-1, -1), font.regular),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey), ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.grey),
        ("ALIGN", (1, 0), (1, 0), "RIGHT"),
    ]))
    story.append(table)
    story.append(Spacer(1, 8))
    story.append(para("A tranche is paid once it is due, program staff have requested it and a finance officer "
                      "other than the requester has approved it."))

    story.append(para("Acceptance", "heading"))
    if GrantStatus(grant.status) in (GrantStatus.accepted, GrantStatus.closed) and grant.accepted_at:
        story.append(para(f"Accepted on behalf of {clean(grant.grantee_name)} by <b>{clean(grant.accepted_name)}</b> "
                          f"on {clean(format_local(grant.accepted_at, tz))}, from address "
                          f"{clean(grant.accepted_ip or 'unknown')}."))
        if grant.accepted_letter_sha256:
            story.append(para(f"Letter accepted (SHA-256): {clean(grant.accepted_letter_sha256)}", "cell"))
    else:
        story.append(para("The grantee's lead accepts this letter online in the portal by typing their full name "
                          "and ticking the agreement; the portal records the name, the time, the address and the "
                          "SHA-256 fingerprint of this exact letter."))

    buffer = io.BytesIO()
    shared.build(buffer, story, title=f"Award letter: {shared.drawable(grant.grantee_name, font)}",
                 author=shared.drawable(org.name, font),
                 footer=(shared.drawable(grant.grantee_name, font), f"Award letter, grant {grant.id}"),
                 font=font, compress=compress)
    return buffer.getvalue()
