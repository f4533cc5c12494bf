"""One way to write a file's size, used by the team's page, the staff page and the PDF copy."""
import pytest

from incubator.core.filesize import format_size


@pytest.mark.parametrize("size, shown", [
    (0, "0 bytes"), (1, "1 byte"), (193, "193 bytes"), (1023, "1,023 bytes"),
    (1024, "1 KB"), (1536, "1.5 KB"), (10_188, "9.9 KB"), (10_220, "10 KB"), (204_800, "200 KB"),
    (1_048_575, "1 MB"),  # not "1024 KB"
    (1_048_576, "1 MB"), (2_500_000, "2.4 MB"), (20 * 1_048_576, "20 MB"), (5 * 1024**3, "5 GB"),
    (None, "0 bytes"),
])
def test_sizes_read_naturally(size, shown):
    assert format_size(size) == shown


def test_the_template_filter_is_the_same_formatter(app):
    assert app.jinja_env.filters["filesize"] is format_size
