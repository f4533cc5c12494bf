"""One way to write a file's size, on every page and in the PDF copy."""


def format_size(size_bytes: int | None) -> str:
    """'1 byte', '193 bytes', '1.5 KB', '20 KB', '1 MB', '2.3 GB' (units of 1,024).

    One decimal below ten units, none above, and never '1024 KB': a size that rounds
    up to the next unit is written in it.
    """
    size = max(int(size_bytes or 0), 0)
    if size < 1024:
        return "1 byte" if size == 1 else f"{size:,} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        shown = f"{value:.1f}" if round(value, 1) < 10 else f"{value:.0f}"
        if float(shown) < 1024 or unit == "TB":
            return f"{shown.removesuffix('.0')} {unit}"
    raise AssertionError("unreachable")
