"""Subsidy scheme files (forms/schemes/*.json) checked against their meta-schema and the items: the reports
they read (batch items and fields, by engine.declarations' slots), the statuses (every value of the status
field, none other), versions that do not overlap; and each claim item's `claim.scheme`."""
from __future__ import annotations

from pathlib import Path

from engine import declarations
from engine.definitions.reading import Doc, Problem, read_folder

SCHEMES_FOLDER = "schemes"   # inside the forms folder, which read_folder's *.json never descends into


def _report_problems(doc: Doc, items: dict[str, dict], unsound: set[str]) -> list[Problem]:
    out = []
    for report, spec in (doc.raw.get("reports") or {}).items():
        if not doc.sound("reports", report) or spec["item"] in unsound:
            continue   # a broken item file has its own report
        at = f"/reports/{report}"
        item = items.get(spec["item"])
        if item is None:
            out.append(Problem(doc.name, f"{at}/item", f"事项“{spec['item']}”不存在"))
        elif item.get("kind") != "batch":
            out.append(Problem(doc.name, f"{at}/item", f"事项“{spec['item']}”不是批量上报事项（kind 须为 batch）"))
        else:
            out += [Problem(doc.name, p, m) for p, m in
                    declarations.scheme_report_problems(report, spec["fields"], item, at)]
    return out


def _status_problems(doc: Doc, items: dict[str, dict]) -> list[Problem]:
    if not (doc.sound("reports", "status") and doc.sound("statuses")):
        return []
    spec = doc.raw["reports"]["status"]
    item, field = items.get(spec["item"]), spec["fields"].get("status")
    spec_of = (item or {}).get("schema", {}).get("properties", {}).get(field) if field else None
    values = tuple(spec_of.get("enum") or ()) if isinstance(spec_of, dict) else ()
    if not values:
        return []   # the missing item or field has its own report; a free-text status cannot be checked
    out = [Problem(doc.name, f"/statuses/{s}", f"“{s}”不是字段“{field}”的可选值：{'、'.join(values)}")
           for s in doc.raw["statuses"] if s not in values]
    missing = [v for v in values if v not in doc.raw["statuses"]]
    if missing:
        out.append(Problem(doc.name, "/statuses", f"须说明每个在岗状态的含义，缺少：{'、'.join(missing)}"))
    return out


def _version_problems(doc: Doc) -> list[Problem]:
    if not doc.sound("versions"):
        return []
    out = []
    reports = set(doc.raw.get("reports") or {})
    status_fields = ((doc.raw.get("reports") or {}).get("status") or {}).get("fields") or {}
    seen: dict[int, int] = {}
    spans = []
    for i, v in enumerate(doc.raw["versions"]):
        at = f"/versions/{i}"
        if v["version"] in seen:
            out.append(Problem(doc.name, f"{at}/version", f"版本号{v['version']}与第{seen[v['version']] + 1}个版本重复"))
        seen.setdefault(v["version"], i)
        if v.get("to") and v["to"] < v["from"]:
            out.append(Problem(doc.name, f"{at}/to", f"结束月份{v['to']}早于开始月份{v['from']}"))
        spans.append((v["from"], v.get("to"), i))
        for j, need in enumerate(v["needs"]):
            if need not in reports:
                out.append(Problem(doc.name, f"{at}/needs/{j}", f"报表“{need}”未在 reports 中声明"))
        prorate = v["monthly"]["prorate"]
        if prorate == "days" and "days" not in status_fields:
            out.append(Problem(doc.name, f"{at}/monthly/prorate", "按见习天数折算须在 reports.status.fields 中声明“days”"))
        if prorate == "attendance" and "attendance" not in v["needs"]:
            out.append(Problem(doc.name, f"{at}/monthly/prorate", "按出勤折算须在 needs 中列出“attendance”"))
        if v["monthly"].get("capped_by_paid") and "allowance_paid" not in status_fields:
            out.append(Problem(doc.name, f"{at}/monthly/capped_by_paid",
                               "按实发额封顶须在 reports.status.fields 中声明“allowance_paid”"))
        if "status" not in v["needs"]:
            out.append(Problem(doc.name, f"{at}/needs", "每月须有在岗情况上报（status）：在岗状态决定是否计发"))
    spans.sort()
    for (a_from, a_to, a), (b_from, _, b) in zip(spans, spans[1:]):
        if a_to is None or b_from <= a_to:
            out.append(Problem(doc.name, f"/versions/{b}/from",
                               f"与第{a + 1}个版本（{a_from}至{a_to or '今后'}）的适用月份重叠"))
    return out


def check_schemes(forms_dir: Path, items: dict[str, dict], problems: list[Problem],
                  unsound: set[str] = frozenset()) -> tuple[list[Doc], set[str]]:
    """Every scheme file's problems (appended to `problems`), and the scheme documents read. `items`: the item
    files that passed their meta-schema; `unsound`: the keys of those present that did not (not echoed). Also
    every scheme key present, readable or not."""
    docs, by_key, present = read_folder(Path(forms_dir) / SCHEMES_FOLDER, f"forms/{SCHEMES_FOLDER}", "scheme", problems)
    for doc in docs:
        if by_key.get(doc.key) is not doc:
            continue
        problems += _report_problems(doc, items, unsound) + _status_problems(doc, items) + _version_problems(doc)
    return docs, present


def claim_problems(items: dict[str, dict], schemes: set[str], played: set[str] | None) -> list[Problem]:
    """Each claim item names a scheme that exists, and some item plays `agreements` (the claim's trainees;
    played None: some item file is broken, so that is not known)."""
    out = []
    for raw in items.values():
        key = (raw.get("claim") or {}).get("scheme")
        if key is None:
            continue
        name = raw.get("__source", raw["key"])
        if key not in schemes:
            out.append(Problem(name, "/claim/scheme", f"补贴方案“{key}”不存在于 forms/{SCHEMES_FOLDER}/"))
        if played is not None and "agreements" not in played:
            out.append(Problem(name, "/claim", "补贴按见习协议计算，须有一个担任角色“agreements”的事项（role.as）"))
    return out
