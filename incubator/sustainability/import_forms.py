"""The import form: what the file holds (schools or past reports) and the file itself."""
from flask_wtf.file import FileField
from wtforms import RadioField
from wtforms.validators import InputRequired

from incubator.core.forms import BaseForm
from incubator.core.imports import MAX_FILE_BYTES
from incubator.sustainability.imports import LABELS


class ImportForm(BaseForm):
    kind = RadioField("What the file holds", choices=list(LABELS.items()),
                      validators=[InputRequired(message="Choose what the file holds: schools or past reports.")])
    file = FileField("CSV file", description=f"A .csv file saved as UTF-8, at most {MAX_FILE_BYTES // 2**20} MB "
                                             "and 5,000 rows; the first row names the columns.")
