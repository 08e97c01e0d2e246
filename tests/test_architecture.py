"""docs/architecture.md stays true: its file counts are the tree's, and it names every engine package."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
ROW = re.compile(r"^\| `([^`]+)` \| (\d+) \|$")
KINDS = (".py", ".json", ".jinja2", ".css", ".js")


def count(folder: str) -> int:
    return sum(1 for p in (ROOT / folder).iterdir() if p.is_file() and p.suffix in KINDS)


def table() -> dict[str, int]:
    text = DOC.read_text("utf-8")
    block = text.split("<!-- file-counts -->", 1)[1].split("<!-- /file-counts -->", 1)[0]
    return {m.group(1).rstrip("/"): int(m.group(2)) for m in map(ROW.match, block.splitlines()) if m}


def test_the_file_counts_are_the_trees():
    rows = table()
    assert rows, "docs/architecture.md has no file-count table"
    wrong = {folder: (n, count(folder)) for folder, n in rows.items() if count(folder) != n}
    assert not wrong, f"docs/architecture.md says (documented, actual): {wrong}"


def test_every_engine_and_webapp_package_is_in_the_table():
    packages = {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("engine/**/__init__.py")}
    packages |= {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("webapp/**/__init__.py")}
    assert packages <= set(table()), packages - set(table())
