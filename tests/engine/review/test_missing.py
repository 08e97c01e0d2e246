"""engine.review.missing: the 缺报名单's query as typed (only items with `due`, a month, its default), and a page
past the end shown as the last one."""
from __future__ import annotations

from datetime import date

from engine.review.missing import MissingQuery, missing_page
from tests import factories as f

TODAY = date(2026, 4, 15)


def parse(s, catalogue, **params):
    return MissingQuery.from_params(params, catalogue, s, TODAY)


def test_the_item_and_the_month_as_typed(dbsession, catalogue):
    s = dbsession
    query, errors = parse(s, catalogue)
    assert (query.item, query.month, errors) == ("attendance_report", "2026-03", {})   # the latest month past due
    query, errors = parse(s, catalogue, item="onduty_report", month=" 2026年2月 ")
    assert (query.item, query.month, query.typed_month, errors) == ("onduty_report", "2026-02", "2026-02", {})
    for item in ("match_report", "no_such_item", "unit_application"):
        query, errors = parse(s, catalogue, item=item)
        assert (query.item, errors) == ("attendance_report", {"item": "请选择有报送期限的事项"})
    for month in ("2026-13", "九月", "9999-12", "0001-01"):
        query, errors = parse(s, catalogue, item="onduty_report", month=month)
        assert (query.month, query.typed_month) == ("2026-03", month)
        assert errors == {"month": "月份格式应为“年-月”，如2026-03"}
    query, _ = parse(s, catalogue, page="3", per_page="1000")
    assert (query.page, query.per_page) == (3, 200)
    assert query.params(page=1) == {"item": "attendance_report", "month": "2026-03"}


def test_a_page_past_the_end_is_the_last_one(dbsession, catalogue):
    s = dbsession
    sheng = f.reviewer(s, "sheng", "140000", "省级审核员")
    for n in range(3):
        unit = f.unit_account(s, name=f"第{n}家有限公司")
        f.stored_batch(s, catalogue, unit, "match_report", f.agreement_rows(1, "2026-03-01", "2026-08-31", first=n))
    s.commit()
    query, _ = parse(s, catalogue, item="onduty_report", page="9", per_page="2")
    page = missing_page(s, catalogue, sheng, query, TODAY)
    assert (page.total, page.pages, query.page, len(page.rows)) == (3, 2, 2, 1)
    assert page.counts == {"missing": 3, "partly": 0} and page.overdue_days == 5
    assert missing_page(s, catalogue, f.unit_account(s, name="看名单的单位"), query, TODAY).total == 0
