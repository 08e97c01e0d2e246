"""Subsidy scheme files (forms/schemes/) checked by `jianxi check`: the reports they read, the statuses, the
versions' months; and each claim item's scheme and period fields. Every problem as file: pointer: message."""
from __future__ import annotations

from engine.loader import load_catalogue
from tests.engine.definitions.copies import edit, problems_of

SCHEME = "schemes/jianxi_subsidy.json"


def test_the_shipped_scheme_loads_with_its_versions_in_month_order(defs):
    scheme = load_catalogue(*defs).scheme("jianxi_subsidy")
    assert [(v.version, v.start, v.end) for v in scheme.versions] == [(1, "2025-01", "2026-03"), (2, "2026-04", None)]
    assert scheme.version_for("2026-03").version == 1 and scheme.version_for("2026-04").version == 2
    assert scheme.version_for("2024-12") is None
    assert scheme.ending() == ("离岗(中止见习)", "提前留用", "见习期满", "期满留用")


def test_a_scheme_reads_only_fields_that_exist_and_fit(defs):
    forms, _ = defs

    def scheme(r):
        r["reports"]["status"]["fields"]["days"] = "ghost"                    # no such field
        r["reports"]["attendance"]["fields"]["attended_days"] = "remark"      # a string, not a number
    edit(forms / SCHEME, scheme)
    assert problems_of(*defs) == [
        "forms/schemes/jianxi_subsidy.json: /reports/status/fields/days: 字段“ghost”不在 schema.properties 中",
        "forms/schemes/jianxi_subsidy.json: /reports/attendance/fields/attended_days: 字段“remark”的类型为string，此处须为integer",
    ]
    edit(forms / SCHEME, lambda r: r["reports"]["attendance"].update(item="post_application"))
    assert problems_of(*defs)[-1] == \
        "forms/schemes/jianxi_subsidy.json: /reports/attendance/item: 事项“post_application”不是批量上报事项（kind 须为 batch）"


def test_every_status_is_declared_and_versions_do_not_overlap(defs):
    forms, _ = defs

    def scheme(r):
        r["statuses"]["休假"] = {"ends": False}
        del r["statuses"]["在岗"]
        r["versions"][1]["from"] = "2026-02"
        r["versions"][0]["needs"] = ["status", "attendance"]
        r["versions"][1]["version"] = 1
    edit(forms / SCHEME, scheme)
    assert problems_of(*defs) == [
        "forms/schemes/jianxi_subsidy.json: /statuses/休假: “休假”不是字段“status”的可选值：在岗、离岗(中止见习)、提前留用、见习期满、期满留用",
        "forms/schemes/jianxi_subsidy.json: /statuses: 须说明每个在岗状态的含义，缺少：在岗",
        "forms/schemes/jianxi_subsidy.json: /versions/1/version: 版本号1与第1个版本重复",
        "forms/schemes/jianxi_subsidy.json: /versions/1/from: 与第1个版本（2025-01至2026-03）的适用月份重叠",
    ]


def test_a_claim_item_names_a_scheme_and_month_fields(defs):
    forms, _ = defs

    def claim(r):
        r["claim"]["scheme"] = "nope"
        r["claim"]["period"]["to"] = "ghost"
    edit(forms / "subsidy_claim.json", claim)
    edit(forms / SCHEME, lambda r: r["versions"][0].update(needs=["attendance", "bogus"]))
    assert problems_of(*defs) == [
        "forms/schemes/jianxi_subsidy.json: /versions/0/needs/1: 'bogus' is not one of ['status', 'attendance']",
        "forms/subsidy_claim.json: /claim/period/to: 字段“ghost”不在 schema.properties 中",
        "forms/subsidy_claim.json: /claim/scheme: 补贴方案“nope”不存在于 forms/schemes/",
    ]


def test_a_broken_report_item_is_not_echoed_by_the_scheme(defs):
    forms, _ = defs
    (forms / "onduty_report.json").write_text('{"key": ', "utf-8")
    assert [p for p in problems_of(*defs) if "schemes" in p] == []
