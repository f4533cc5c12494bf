"""The PDF copy: the whole application, whatever the team typed."""
import re
from incubator.applications.pdf import render_application
from incubator.challenges.models import QuestionKind
from incubator.extensions import db


def test_the_pdf_holds_the_school_the_answers_and_the_plan(complete_application):
    content = render_application(complete_application, compress=False)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    for text in (b"Bayou Community School", b"Because families asked us to.", b"Four-year financial plan",
                 b"Lab school", b"budget.xlsx", b"75%"):
        assert text in content, text


def test_markup_and_unusual_text_in_answers_do_not_break_the_pdf(complete_application):
    complete_application.school_name = "<b>Ecole</b> & <para> 学校 🚀"
    long_text = next(a for a in complete_application.answers if a.question.kind == QuestionKind.long_text)
    long_text.text_value = "<font size=99>big</font>\n</para><img src='/etc/passwd'/> & more"
    db.session.commit()
    content = render_application(complete_application, compress=False)
    assert content.startswith(b"%PDF-")
    shown = b"".join(re.findall(rb"\((.*?)\) Tj", content))  # the text drawn (uncompressed)
    assert b"<b>Ecole</b> & <para>" in shown  # the markup is shown as typed, not interpreted
    assert b"<font size=99>big</font>" in shown
