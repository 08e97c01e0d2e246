"""The lines of a claim, computed from stored reports: every on-duty status, partial months, a person matched
by two units, a missing report, the scheme's version changing inside the period, the months limit."""
from __future__ import annotations

import json
import shutil
import pytest

from engine.loader import default_dirs, load_catalogue
from engine.subsidy import claims
from engine.subsidy.compute import Period, fen, months, yuan, yuan_to_fen
from tests import factories as f


def lines_of(session, catalogue, item, account, start, end):
    _, lines = claims.compute(session, catalogue, item, [account.unit_id], Period(start, end))
    return {(x.id_number, x.month): x for x in lines}


def test_money_is_exact_fen_rounded_half_up():
    assert fen(166451, 2) == 83226 and fen(166449, 2) == 83225   # 83225.5 up, 83224.5 up
    assert fen(215000 * 15 * 80, 31 * 100) == 83226                 # 832.258… 元
    assert yuan_to_fen(2200) == 220000 and yuan_to_fen(1234.565) == 123457 and yuan_to_fen(0.1) == 10
    assert yuan(172000) == "1720" and yuan(83226) == "832.26" and yuan(5) == "0.05"
    assert months("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_every_status_and_partial_months(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    on, left, early, done, kept, late = (f.new_id_number() for _ in range(6))
    f.reported(s, catalogue, unit, "match_report", [
        f.agreement_row(on, "2026-01-01", "2026-06-30", name="在岗人"),
        f.agreement_row(left, "2026-01-01", "2026-06-30", name="离岗人"),
        f.agreement_row(early, "2026-01-01", "2026-06-30", name="留用人"),
        f.agreement_row(done, "2025-10-01", "2026-01-31", name="期满人"),
        f.agreement_row(kept, "2025-10-01", "2026-02-28", name="期满留用人"),
        f.agreement_row(late, "2026-01-16", "2026-07-15", name="月中入职"),
    ])
    f.reported(s, catalogue, unit, "onduty_report", [
        f.onduty_row(on, "2026-01"), f.onduty_row(on, "2026-02"), f.onduty_row(on, "2026-03", paid=1500),
        f.onduty_row(left, "2026-01"), f.onduty_row(left, "2026-02", "离岗(中止见习)", days=14, paid=1000,
                                                    change_date="2026-02-14"),
        f.onduty_row(early, "2026-01", "提前留用", days=31, change_date="2026-01-31"),
        f.onduty_row(done, "2026-01", "见习期满", change_date="2026-01-31"),
        f.onduty_row(kept, "2026-01"), f.onduty_row(kept, "2026-02", "期满留用", change_date="2026-02-28"),
        f.onduty_row(late, "2026-01", days=16, paid=1200), f.onduty_row(late, "2026-02"),
        f.onduty_row(late, "2026-03"),
    ])
    f.reported(s, catalogue, unit, "attendance_report", [
        f.attendance_row(p, m) for p in (on, left, early, done, kept, late) for m in ("2026-01", "2026-02", "2026-03")])
    s.commit()
    got = lines_of(s, catalogue, item, unit, "2026-01", "2026-03")
    assert got[(on, "2026-01")].basis == \
        "2026-01：在岗31天，实发2200元，按最低工资2150元×80%计1720元；带教费200元；意外伤害保险补贴30元"
    assert (got[(on, "2026-01")].total_fen, got[(on, "2026-01")].scheme_version) == (195000, 1)
    # Paid less than the minimum wage: the share is of what was paid.
    assert got[(on, "2026-03")].basis.startswith("2026-03：在岗31天，实发1500元，按实发1500元（低于最低工资2150元）×80%计1200元")
    # 离岗 in February: 14 of 28 days, paid less than the pro-rated wage; nothing after it.
    assert got[(left, "2026-02")].basis.startswith(
        "2026-02：离岗(中止见习)14天（变动日期2026-02-14），实发1000元，按实发1000元（低于最低工资2150元×14/28）×80%计800元")
    assert (left, "2026-03") not in got
    # 提前留用: the month and the one-off amount, once; 见习期满 ends without it; 期满留用 with it.
    assert got[(early, "2026-01")].retention_fen == 100000 and "提前留用一次性补贴1000元" in got[(early, "2026-01")].basis
    assert (early, "2026-02") not in got
    assert got[(done, "2026-01")].retention_fen == 0 and (done, "2026-02") not in got
    assert got[(kept, "2026-02")].retention_fen == 100000 and (kept, "2026-03") not in got
    # Starting on the 16th: 16 of 31 days of the minimum wage, which is below what was paid.
    assert got[(late, "2026-01")].basis.startswith(
        "2026-01：在岗16天，实发1200元，按最低工资2150元×16/31×80%计887.74元")
    assert got[(late, "2026-01")].subsidy_fen == 88774
    assert all(x.flag is None for x in got.values())
    assert len(got) == 3 + 2 + 1 + 1 + 2 + 3


def test_a_person_matched_by_two_units_in_one_month_is_flagged_for_both(dbsession, catalogue, claimants):
    s, unit, other, item = dbsession, claimants["unit"], claimants["other"], claimants["item"]
    person = f.new_id_number()
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(person, "2026-01-01", "2026-02-10")])
    f.reported(s, catalogue, other, "match_report", [f.agreement_row(person, "2026-02-15", "2026-07-14")])
    for account, rows in ((unit, [f.onduty_row(person, "2026-01"),
                                  f.onduty_row(person, "2026-02", "离岗(中止见习)", days=10, change_date="2026-02-10")]),
                          (other, [f.onduty_row(person, "2026-02", days=14), f.onduty_row(person, "2026-03")])):
        f.reported(s, catalogue, account, "onduty_report", rows)
        f.reported(s, catalogue, account, "attendance_report",
                   [f.attendance_row(person, r["month"]) for r in rows])
    s.commit()
    first = lines_of(s, catalogue, item, unit, "2026-01", "2026-03")
    second = lines_of(s, catalogue, item, other, "2026-01", "2026-03")
    assert first[(person, "2026-01")].flag is None
    assert first[(person, "2026-02")].flag == second[(person, "2026-02")].flag == "duplicate"
    assert "另与其他单位签有见习协议" in second[(person, "2026-02")].basis
    assert second[(person, "2026-02")].total_fen == 0 and second[(person, "2026-03")].flag is None
    assert sorted(first) == [(person, "2026-01"), (person, "2026-02")]


def test_a_missing_report_is_listed_with_its_item_not_dropped(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    person = f.new_id_number()
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(person, "2026-01-01", "2026-06-30")])
    f.reported(s, catalogue, unit, "onduty_report", [f.onduty_row(person, m) for m in ("2026-01", "2026-02")])
    f.reported(s, catalogue, unit, "attendance_report", [f.attendance_row(person, m) for m in ("2026-01", "2026-03")])
    s.commit()
    got = lines_of(s, catalogue, item, unit, "2026-01", "2026-03")
    assert got[(person, "2026-02")].flag == "missing"
    assert got[(person, "2026-02")].basis == "2026-02：缺少见习考勤批量上报，补报后重新计算"
    assert got[(person, "2026-02")].sources["missing"] == ["attendance_report"]
    assert got[(person, "2026-03")].sources["missing"] == ["onduty_report"]
    assert got[(person, "2026-01")].flag is None


def test_the_scheme_version_in_force_prices_each_month(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    person = f.new_id_number()
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(person, "2026-01-01", "2026-06-30")])
    f.reported(s, catalogue, unit, "onduty_report", [f.onduty_row(person, m, paid=2500) for m in ("2026-03", "2026-04")])
    f.reported(s, catalogue, unit, "attendance_report", [f.attendance_row(person, m) for m in ("2026-03", "2026-04")])
    s.commit()
    got = lines_of(s, catalogue, item, unit, "2026-03", "2026-04")
    march, april = got[(person, "2026-03")], got[(person, "2026-04")]
    assert (march.scheme_version, march.subsidy_fen, march.mentor_fen) == (1, 172000, 20000)
    assert (april.scheme_version, april.subsidy_fen, april.mentor_fen) == (2, 215000, 30000)
    assert "×100%计2150元；带教费300元" in april.basis


@pytest.fixture
def two_months_scheme(tmp_path):
    """The shipped definitions with every version of the scheme paying at most two months per agreement."""
    forms, workflows = default_dirs()
    shutil.copytree(forms, tmp_path / "forms")
    shutil.copytree(workflows, tmp_path / "workflows")
    path = tmp_path / "forms" / "schemes" / "jianxi_subsidy.json"
    scheme = json.loads(path.read_text("utf-8"))
    for v in scheme["versions"]:
        v["max_months"] = 2
    path.write_text(json.dumps(scheme, ensure_ascii=False), "utf-8")
    return load_catalogue(tmp_path / "forms", tmp_path / "workflows")


def test_months_beyond_the_limit_per_agreement_are_flagged(dbsession, two_months_scheme, claimants):
    s, unit, cat = dbsession, claimants["unit"], two_months_scheme
    person = f.new_id_number()
    f.reported(s, cat, unit, "match_report", [f.agreement_row(person, "2026-01-01", "2026-06-30")])
    f.reported(s, cat, unit, "onduty_report", [f.onduty_row(person, m) for m in ("2026-01", "2026-02", "2026-03")])
    f.reported(s, cat, unit, "attendance_report", [f.attendance_row(person, m) for m in ("2026-01", "2026-02", "2026-03")])
    s.commit()
    got = lines_of(s, cat, cat.item("subsidy_claim"), unit, "2026-01", "2026-03")
    assert [got[(person, m)].flag for m in ("2026-01", "2026-02", "2026-03")] == [None, None, "over_limit"]
    assert got[(person, "2026-03")].basis == "2026-03：本协议已计发2个月，达到每个协议最多2个月"


def test_a_status_that_ended_before_the_period_gives_no_lines(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    person = f.new_id_number()
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(person, "2026-01-01", "2026-06-30")])
    f.reported(s, catalogue, unit, "onduty_report",
               [f.onduty_row(person, "2026-01", "离岗(中止见习)", days=20, change_date="2026-01-20")])
    s.commit()
    assert lines_of(s, catalogue, item, unit, "2026-02", "2026-04") == {}
