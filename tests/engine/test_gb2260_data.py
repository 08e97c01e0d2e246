"""engine/data/gb2260_codes.json is what tools/gb2260_codes.py makes from the pinned python-stdnum."""
from __future__ import annotations

import configparser
import json
from importlib import metadata
from pathlib import Path

from engine import formats
from tools import gb2260_codes

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "engine" / "data" / "gb2260_codes.json"


def pinned(requirement: str) -> str:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = cfg["options.extras_require"]["testing"].splitlines()
    return next(line.split("==", 1)[1] for line in lines if line.strip().startswith(requirement + "=="))


def test_the_pinned_python_stdnum_is_installed():
    assert metadata.version("python-stdnum") == pinned("python-stdnum")


def test_the_shipped_file_is_what_the_script_makes_from_the_pinned_package():
    assert SHIPPED.read_text("utf-8") == gb2260_codes.build(), \
        "run `python -m tools.gb2260_codes` and review the diff"


def test_the_check_mode_says_so(capsys):
    assert gb2260_codes.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_the_file_keeps_history_and_stays_small():
    codes = json.loads(SHIPPED.read_text("utf-8"))["codes"]
    assert codes is not None and formats.region_codes() == codes
    assert codes["110103"] == "[-2010]崇文区" and codes["110101"] == "东城区"
    assert codes["140105"].endswith("小店区") and "140102" in codes  # 南城区, abolished 1997
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert 6000 < len(codes) < 10000
    assert SHIPPED.stat().st_size < 400_000


def test_parse_refuses_a_line_it_does_not_understand():
    good = '11 province="北京市"\n  0101 county="东城区"\n'
    assert gb2260_codes.parse(good) == {"110101": "东城区"}
    try:
        gb2260_codes.parse(good + "  01 county=\"?\"\n")
    except ValueError as e:
        assert "unexpected line" in str(e)
    else:
        raise AssertionError("a malformed line was accepted")
