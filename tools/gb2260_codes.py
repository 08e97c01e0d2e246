"""Regenerate engine/data/gb2260_codes.json from python-stdnum's table of Chinese region codes.

    .venv/bin/python -m tools.gb2260_codes            # rewrite the file
    .venv/bin/python -m tools.gb2260_codes --check    # exit 1 if the file is not what the package gives

python-stdnum (pinned in setup.cfg's testing extra) ships stdnum/cn/loc.dat: every GB/T 2260 code since
1980 with the years it was in use, so a code of a county renamed or merged long ago is still there. An ID
number keeps the code of the county that first issued it, so engine.formats accepts every code of this
list, whatever its years. To take a newer list: bump the pin, run this, review the diff, commit both.
tests/engine/test_gb2260_data.py fails while the file and the pinned package disagree.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import metadata, resources
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "engine" / "data" / "gb2260_codes.json"

# Codes on ID numbers that are no GB/T 2260 division, kept apart from the list: the 台湾居民居住证 (since
# 2018) carries 830000 (810000 and 820000 of the Hong Kong and Macao permits are divisions).
ID_ONLY = {"830000": "台湾居民居住证"}

_PROVINCE = re.compile(r'^(\d{2}) province="([^"]+)"$')
_COUNTY = re.compile(r'^  (\d{4}) county="([^"]+)"$')


def parse(text: str) -> dict[str, str]:
    """{6-digit code: name} from loc.dat; a name keeps stdnum's years, e.g. "[-2010]崇文区"."""
    codes: dict[str, str] = {}
    province = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if m := _PROVINCE.match(line):
            province = m.group(1)
        elif (m := _COUNTY.match(line)) and province:
            codes[province + m.group(1)] = m.group(2)
        else:
            raise ValueError(f"loc.dat: unexpected line {line!r}")
    return codes


def build() -> str:
    """The file's text as the installed python-stdnum gives it."""
    version = metadata.version("python-stdnum")
    codes = parse((resources.files("stdnum") / "cn" / "loc.dat").read_text("utf-8"))
    overlap = set(codes) & set(ID_ONLY)
    if overlap:
        raise ValueError(f"codes of ID_ONLY are now in the list, drop them from ID_ONLY: {sorted(overlap)}")
    doc = {
        "source": f"codes: python-stdnum {version}, stdnum/cn/loc.dat (compiled by its authors from the zh.wikipedia "
                  "pages 中华人民共和国行政区划代码, which follow GB/T 2260 and its yearly changes); id_only: "
                  "ID_ONLY of tools/gb2260_codes.py. Regenerate with `python -m tools.gb2260_codes`.",
        "licence": "python-stdnum is LGPL-2.1-or-later (Copyright Arthur de Jong and contributors); `codes` is "
                   "its loc.dat data in another layout.",
        "names": "[from-to] marks the years a code was in use; several names: the code was given again.",
        "codes": dict(sorted(codes.items())),
        "id_only": ID_ONLY,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gb2260_codes", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if the file differs")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        same = TARGET.exists() and TARGET.read_text("utf-8") == text
        print(f"{TARGET.name}: {'up to date' if same else 'differs from python-stdnum ' + metadata.version('python-stdnum')}")
        return 0 if same else 1
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET} ({len(json.loads(text)['codes'])} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
