"""docs/ARCHITECTURE.md names only paths that exist: a page that points at a moved folder fails."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "ARCHITECTURE.md"


def named_paths(text: str) -> list[str]:
    """Every `code span` that is a path: holds a slash or names a file with an extension.
    A <placeholder> stands for any name, so only the folder before it is checked; a file
    name pattern without a folder (`_<domain>__models.yml`) names no path."""
    paths = []
    for span in re.findall(r"`([^`\s]+)`", text):
        if "/" not in span and not re.search(r"\.(md|yml|py|sql)$", span):
            continue
        folder = span.split("<", 1)[0]
        if "<" in span and not folder.endswith("/"):
            continue
        paths.append(folder)
    return paths


def test_the_page_names_paths():
    paths = named_paths(PAGE.read_text())
    assert "models/marts/" in paths and "dbt-bouncer.yml" in paths
    assert named_paths("`a/b` `x.yml` `doc('x')` `y/<z>/w` `_<z>__m.yml`") == ["a/b", "x.yml", "y/"]


def test_every_path_the_page_names_exists():
    missing = [p for p in named_paths(PAGE.read_text()) if not (ROOT / p).exists()]
    assert missing == []
