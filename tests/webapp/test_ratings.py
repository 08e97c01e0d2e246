"""好差评 over HTTP: the applicant rates a finished case on its page and through the API, a bad rating's follow-up
is listed for the jurisdiction's reviewers with its deadline marks and closed by one of them, and the
administrators' statistics match counts made here from the rows."""
from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select

from engine import clock
from engine.models import Notice, Rating, RatingFollowup
from engine.ratings import scale
from engine.ratings.rating import rate
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import fresh, soup

LEVEL = {lv.label: lv.score for lv in scale.LEVELS}


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


def signed_in(make_web, login, tab="staff"):
    web = make_web()
    assert web.login(login, tab=tab).status_int == 303
    return web


def rating_form(page):
    return next(fm for fm in page.forms.values() if (fm.action or "").endswith("/rating"))


def choose(form, **levels):
    """Tick a level (by its label) in each named dimension's fieldset."""
    for key, label in levels.items():
        form[key] = str(LEVEL[label])


def all_levels(label, **over):
    return {**{d.key: label for d in scale.ALL}, **over}


@pytest.fixture
def unit_web(world, make_web):
    return signed_in(make_web, world["unit"].login_name, tab="unit")


def test_the_applicant_rates_its_approved_case_on_the_page(world, unit_web, make_web, dbsession):
    web, case = unit_web, world["unit_case"]
    row = soup(web.app.get("/me/cases")).select_one(f"tr[data-case='{case.id}']")
    assert row.select_one("[data-testid=rate-link]")["href"] == f"/cases/{case.id}/rating"
    detail = web.app.get(f"/cases/{case.id}")
    assert soup(detail).select_one("[data-testid=rate-link]").get_text() == "评价"

    page = web.app.get(f"/cases/{case.id}/rating")
    doc = soup(page)
    # One fieldset per dimension and the overall level, each with its legend and the five levels from the scale.
    legends = [fs.legend.get_text(strip=True).rstrip("*") for fs in doc.select("fieldset.levels")]
    assert legends == ["办事效率", "办事指南准确度", "办事便捷度", "平台操作性", "整体评价"]
    first = doc.select("fieldset.levels")[0]
    assert [lab.get_text(strip=True) for lab in first.select("label")] == \
        ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert doc.select_one("label[for=f-comment]") and doc.select_one("textarea#f-comment")["maxlength"] == "500"

    # A bad level without a reason, a level left out: refused, each message beside its field, choices kept.
    form = rating_form(page)
    choose(form, **{k: v for k, v in all_levels("满意", efficiency="不满意", overall="基本满意").items()
                    if k != "usability"})
    res = form.submit(status=422)
    doc = soup(res)
    assert doc.select_one(".has-error #err-comment").get_text() == "评价为“不满意”或“非常不满意”时，请说明原因"
    assert doc.select_one("fieldset#f-usability.has-error #err-usability").get_text() == "请选择“平台操作性”的评价"
    assert doc.select_one("input[name=efficiency][checked]")["value"] == "2"
    assert doc.select_one("input[name=overall][checked]")["value"] == "3"
    assert doc.select_one("input[name=usability][checked]") is None
    assert [a["href"] for a in doc.select("[data-testid=error-summary] a")] == ["#f-usability", "#f-comment"]
    # The reason typed, the level still missing: the reason is kept.
    form = rating_form(res)
    form["comment"] = "审核等了很久"
    res = form.submit(status=422)
    assert soup(res).select_one("#err-comment") is None
    assert soup(res).select_one("textarea#f-comment").get_text() == "审核等了很久"
    fresh(dbsession)
    assert dbsession.scalar(select(Rating).where(Rating.case_id == case.id)) is None

    form = rating_form(res)
    form["usability"] = str(LEVEL["满意"])
    done = form.submit().follow()
    assert done.request.path == f"/cases/{case.id}"
    assert "感谢您的评价" in done.text and "您的意见已转交审核人员整改" in done.text
    shown = soup(done).select_one("[data-testid=rating]")
    assert shown.select_one("[data-dimension=efficiency]").get_text() == "不满意"
    assert shown.select_one("[data-testid=rating-comment]").get_text() == "审核等了很久"
    assert "整改中" in shown.select_one("[data-testid=rating-followup]").get_text()
    assert soup(done).select_one("[data-testid=rate-link]") is None
    row = soup(web.app.get("/me/cases")).select_one(f"tr[data-case='{case.id}']")
    assert row.select_one("[data-testid=rate-link]") is None

    # Once: the page says so, a second post is refused (even by another agent of the unit: the same applicant).
    again = web.app.get(f"/cases/{case.id}/rating")
    assert soup(again).select_one("[data-testid=rating-done]").get_text() == "该办件已评价。"
    assert not [fm for fm in again.forms.values() if (fm.action or "").endswith("/rating")]
    res = web.post(f"/cases/{case.id}/rating", {d.key: "5" for d in scale.ALL}, status=409)
    assert soup(res).select_one("[data-testid=rating-refused]").get_text() == "该办件已评价"
    fresh(dbsession)
    assert dbsession.scalar(select(Rating.overall).where(Rating.case_id == case.id)) == 3

    # The reviewer of the jurisdiction reads it on the case page.
    reviewer = signed_in(make_web, "taiyuan")
    page = soup(reviewer.app.get(f"/review/cases/{case.id}"))
    assert page.select_one("[data-testid=rating] [data-dimension=efficiency]").get_text() == "不满意"
    assert page.select_one("[data-testid=followup-link]")


def test_a_case_under_way_cannot_be_rated_and_others_cannot_rate(world, unit_web, make_web, dbsession, catalogue,
                                                                 storage):
    waiting = f.submitted_unit_application(dbsession, catalogue, storage, world["other"])
    dbsession.commit()
    other = signed_in(make_web, world["other"].login_name, tab="unit")
    page = other.app.get(f"/cases/{waiting.id}/rating")
    assert soup(page).select_one("[data-testid=rating-refused]").get_text() == \
        "该申请尚未办结（当前状态：未审核），办结后才能评价"
    assert soup(other.app.get(f"/cases/{waiting.id}")).select_one("[data-testid=rate-link]") is None
    res = other.post(f"/cases/{waiting.id}/rating", {d.key: "5" for d in scale.ALL}, status=409)
    assert "办结后才能评价" in res.text
    # Another unit's case, staff: refused before anything is read (reviewers outside: as if it did not exist).
    case = world["unit_case"]
    other.post(f"/cases/{case.id}/rating", {d.key: "5" for d in scale.ALL}, status=403)
    signed_in(make_web, "taiyuan").post(f"/cases/{case.id}/rating", {d.key: "5" for d in scale.ALL}, status=404)
    signed_in(make_web, "admin").post(f"/cases/{case.id}/rating", {d.key: "5" for d in scale.ALL}, status=403)
    fresh(dbsession)
    assert dbsession.scalars(select(Rating)).all() == []


def test_the_api_twin(world, unit_web, make_web, dbsession, catalogue, storage):
    web, case = unit_web, world["unit_case"]
    url = f"/api/cases/{case.id}/rating"
    before = web.api("get", url)
    assert_matches_spec(before)
    assert (before.json["rateable"], before.json["rating"]) == (True, None)
    assert [d["label"] for d in before.json["scale"]["dimensions"]] == ["办事效率", "办事指南准确度", "办事便捷度", "平台操作性"]
    bad = web.api("post", url, {**{d.key: 1 for d in scale.ALL}}, status=422)
    assert_matches_spec(bad)
    assert bad.json["errors"] == [{"field": "comment", "message": "评价为“不满意”或“非常不满意”时，请说明原因"}]
    wrong = web.api("post", url, {**{d.key: "5" for d in scale.ALL}}, status=422)
    assert {e["field"] for e in wrong.json["errors"]} == {d.key for d in scale.ALL}
    number = f.new_id_number()
    done = web.api("post", url, {**{d.key: 1 for d in scale.ALL}, "comment": f"被要求重复提交身份证{number}"}, status=201)
    assert_matches_spec(done)
    assert done.json["rating"]["overall"] == 1 and done.json["rating"]["followup"]["status"] == "open"
    assert done.json["rating"]["followup"]["deadline"]["remaining_workdays"] == 15
    assert number in done.json["rating"]["comment"]
    again = web.api("post", url, {d.key: 5 for d in scale.ALL}, status=409)
    assert_matches_spec(again)
    assert again.json["error"] == "该办件已评价"
    # The reviewer reads it, the comment's ID number masked; outside the jurisdiction it does not exist.
    reviewer = signed_in(make_web, "taiyuan")
    seen = reviewer.api("get", url)
    assert_matches_spec(seen)
    assert number not in seen.json["rating"]["comment"] and seen.json["rateable"] is False
    assert_matches_spec(signed_in(make_web, "datong").api("get", url, status=404))
    assert_matches_spec(reviewer.api("post", url, {d.key: 5 for d in scale.ALL}, status=404))
    assert_matches_spec(signed_in(make_web, world["other"].login_name, tab="unit").api("get", url, status=403))
    waiting = f.submitted_unit_application(dbsession, catalogue, storage, world["other"])
    dbsession.commit()
    other = signed_in(make_web, world["other"].login_name, tab="unit")
    res = other.api("post", f"/api/cases/{waiting.id}/rating", {d.key: 5 for d in scale.ALL}, status=409)
    assert_matches_spec(res)
    assert "办结后才能评价" in res.json["error"]
    assert_matches_spec(other.api("post", f"/api/cases/{waiting.id}/rating", [1, 2], status=400))


def test_a_reviewer_follows_up_a_bad_rating_and_the_applicant_is_told(world, unit_web, make_web, dbsession,
                                                                      clock_at):
    clock_at(bj(2026, 9, 30))
    case = world["unit_case"]
    unit_web.api("post", f"/api/cases/{case.id}/rating",
                 {**{d.key: 4 for d in scale.ALL}, "guide": 2, "comment": "指南上的材料清单与窗口要求不一致"}, status=201)
    fresh(dbsession)
    followup = dbsession.scalars(select(RatingFollowup)).one()
    assert followup.deadline_on.isoformat() == "2026-10-27"      # 15 working days across 国庆
    # The province decided the case: its reviewer is told; 太原's reviewer sees it in the jurisdiction's list too.
    told = {n.recipient_id for n in dbsession.scalars(select(Notice).where(Notice.kind == "rating_bad"))}
    assert told == {world["province"].id}

    reviewer = signed_in(make_web, "taiyuan")
    queue = soup(reviewer.app.get("/review"))
    assert queue.select_one("[data-testid=followups-link]")["href"] == "/review/followups"
    listing = soup(reviewer.app.get("/review/followups"))
    row = listing.select_one(f"tr[data-followup='{followup.id}']")
    assert "办事指南准确度：不满意" in row.get_text() and row.select_one("[data-testid=deadline]").get_text(
        " ", strip=True) == "剩余15个工作日 期限 2026-10-27"
    assert listing.select_one("[data-testid=count-open]").get_text() == "1"
    assert signed_in(make_web, "datong").app.get(listing.select_one(f"tr[data-followup='{followup.id}'] a")["href"],
                                                 status=404)
    assert soup(signed_in(make_web, "datong").app.get("/review/followups")).select_one("[data-testid=empty]")

    # Two working days before the day: 即将超期, as in the queue; past it: 已超期.
    clock_at(bj(2026, 10, 23))
    listing = soup(reviewer.app.get("/review/followups?deadline=warning"))
    assert listing.select_one(f"tr[data-followup='{followup.id}'] [data-level=warning]").get_text() == \
        "即将超期：剩余2个工作日"
    clock_at(bj(2026, 10, 28))
    assert soup(reviewer.app.get("/review/followups?deadline=warning")).select_one("[data-testid=empty]")
    listing = soup(reviewer.app.get("/review/followups?deadline=overdue"))
    assert listing.select_one(f"tr[data-followup='{followup.id}'] [data-level=overdue]").get_text() == "已超期1个工作日"
    assert listing.select_one("[data-testid=deadline-overdue]").get_text(strip=True) == "已超期 1"

    page = reviewer.app.get(f"/review/followups/{followup.id}")
    assert soup(page).select_one("[data-testid=rating-comment]").get_text() == "指南上的材料清单与窗口要求不一致"
    form = next(fm for fm in page.forms.values() if (fm.action or "").endswith(f"/review/followups/{followup.id}"))
    form["outcome"] = "   "
    res = form.submit(status=422)
    assert soup(res).select_one(".has-error #err-outcome").get_text() == "请填写整改情况/回访结果"
    form = next(fm for fm in res.forms.values() if (fm.action or "").endswith(f"/review/followups/{followup.id}"))
    form["outcome"] = "已按窗口要求更正办事指南的材料清单；10月28日电话回访，申请人认可。"
    done = form.submit().follow()
    assert "已办结该差评整改" in done.text and soup(done).select_one("[data-testid=count-closed]").get_text() == "1"
    closed = soup(reviewer.app.get("/review/followups?status=closed"))
    assert closed.select_one(f"tr[data-followup='{followup.id}'] [data-level=missed]").get_text() == "超期办结"
    res = reviewer.post(f"/review/followups/{followup.id}", {"outcome": "再办一次"}, status=409)
    assert soup(res).select_one("[data-testid=followup-refused]").get_text() == "该整改任务已办结"

    # The applicant is told, and reads the outcome on the case page.
    inbox = unit_web.api("get", "/api/notices").json["items"]
    closed_notice = next(n for n in inbox if n["kind"] == "followup_closed")
    assert "已按窗口要求更正办事指南" in closed_notice["body"] and closed_notice["link"] == f"/cases/{case.id}"
    shown = soup(unit_web.app.get(f"/cases/{case.id}"))
    assert shown.select_one("[data-testid=rating-outcome]").get_text().startswith("已按窗口要求更正")
    assert "超期办结" in shown.select_one("[data-testid=rating-followup]").get_text()


def test_the_follow_up_api(world, unit_web, make_web, dbsession):
    case = world["unit_case"]
    unit_web.api("post", f"/api/cases/{case.id}/rating", {**{d.key: 2 for d in scale.ALL}, "comment": "慢"},
                 status=201)
    fresh(dbsession)
    followup_id = dbsession.scalar(select(RatingFollowup.id))
    reviewer = signed_in(make_web, "taiyuan")
    listing = reviewer.api("get", "/api/review/followups")
    assert_matches_spec(listing)
    assert [i["id"] for i in listing.json["items"]] == [followup_id]
    assert listing.json["counts"] == {"open": 1, "warning": 0, "overdue": 0, "closed": 0}
    assert_matches_spec(reviewer.api("get", "/api/review/followups?status=late", status=422))
    one = reviewer.api("get", f"/api/review/followups/{followup_id}")
    assert_matches_spec(one)
    assert one.json["bad_levels"][0] == {"dimension": "办事效率", "level": "不满意"}
    assert_matches_spec(reviewer.api("post", f"/api/review/followups/{followup_id}", {"outcome": ""}, status=422))
    assert_matches_spec(signed_in(make_web, "datong").api("post", f"/api/review/followups/{followup_id}",
                                                          {"outcome": "越权"}, status=404))
    assert_matches_spec(unit_web.api("get", f"/api/review/followups/{followup_id}", status=403))
    closed = reviewer.api("post", f"/api/review/followups/{followup_id}", {"outcome": "已回访"})
    assert_matches_spec(closed)
    assert closed.json["status"] == "closed" and closed.json["outcome"] == "已回访"
    assert closed.json["deadline"]["label"] == "按期办结"
    assert_matches_spec(reviewer.api("post", f"/api/review/followups/{followup_id}", {"outcome": "再次"}, status=409))


def table_counts(doc, testid) -> dict:
    """{row key: ({score: count}, total, 满意率 text)} of one of the statistics tables."""
    out = {}
    for tr in doc.select(f"table[data-testid={testid}] tbody tr[data-key]"):
        counts = {int(td["data-score"]): int(td.get_text()) for td in tr.select("td[data-score]")}
        out[tr["data-key"]] = ({s: n for s, n in counts.items() if n}, int(tr.select_one("[data-testid=total]").get_text()),
                               tr.select_one("[data-testid=rate]").get_text())
    return out


def expected_counts(rows, key) -> dict:
    grouped: dict = {}
    for r in rows:
        grouped.setdefault(key(r), Counter())[r.overall] += 1
    out = {}
    for k, c in grouped.items():
        total = sum(c.values())
        satisfied = sum(n for s, n in c.items() if s >= 3)
        out[k or ""] = (dict(c), total, f"{satisfied / total * 100:.1f}%")
    return out


def test_the_administrators_statistics_match_the_rows(world, make_web, dbsession, catalogue, storage, clock_at):
    """Ratings made through the engine in three months and two cities, read back from /admin/ratings."""
    s = dbsession
    rnd = random.Random(7)
    places = [("140100", "140105"), ("140100", "140106"), ("140200", "140213")]
    for i in range(12):
        clock_at(bj(2026, 8 + i % 3, 10 + i))
        city, county = places[i % 3]
        unit = f.unit_account(s, name=f"统计测试单位{i}有限公司", mobile=f"135{i:08d}")
        case = f.submitted_unit_application(s, catalogue, storage, unit, city=city, county=county)
        f.transition(s, catalogue, case, "approve" if i % 4 else "reject", world["province"], comment="意见")
        scores = {d.key: rnd.choice(scale.SCORES) for d in scale.ALL}
        rate(s, catalogue, case, unit, {**scores, "comment": "原因"})
        s.commit()
    clock_at(None)
    fresh(s)
    rows = s.scalars(select(Rating)).all()
    admin = signed_in(make_web, "admin")
    page = admin.app.get("/admin/ratings")
    doc = soup(page)
    assert doc.select_one("nav.admin-tabs a[aria-current=page]").get_text() == "好差评"
    assert int(doc.select_one("[data-testid=count-all]").get_text()) == len(rows)
    satisfied = sum(1 for r in rows if r.overall >= 3)
    assert doc.select_one("[data-testid=rate-all]").get_text() == f"{satisfied / len(rows) * 100:.1f}%"
    assert int(doc.select_one("[data-testid=count-bad]").get_text()) == \
        sum(1 for r in rows if min(getattr(r, d.key) for d in scale.ALL) <= 2)
    assert table_counts(doc, "by-item") == expected_counts(rows, lambda r: r.item_key)
    assert table_counts(doc, "by-city") == expected_counts(rows, lambda r: r.city_code)
    assert table_counts(doc, "by-month") == expected_counts(rows, lambda r: r.rated_month)
    dims = table_counts(doc, "by-dimension")
    for d in scale.ALL:
        assert dims[d.key][0] == dict(Counter(getattr(r, d.key) for r in rows)), d.label
    # A city chosen: its counties; a month range and an item narrow every table.
    doc = soup(admin.app.get("/admin/ratings?city=140100&month_from=2026-09&month_to=2026-10&item=unit_application"))
    narrowed = [r for r in rows if "2026-09" <= r.rated_month <= "2026-10"]
    assert table_counts(doc, "by-county") == expected_counts([r for r in narrowed if r.city_code == "140100"],
                                                             lambda r: r.county_code)
    assert table_counts(doc, "by-month") == expected_counts(narrowed, lambda r: r.rated_month)
    # The bad ratings with their follow-up's status.
    bad = doc.select("table[data-testid=bad-ratings] tbody tr")
    assert len(bad) == sum(1 for r in narrowed if r.bad)
    assert all("待整改" in tr.select_one("[data-testid=followup-status]").get_text() for tr in bad)
    # Bad filters: a message beside the field, the rest still counted.
    res = admin.app.get("/admin/ratings?month_from=2026-13&item=nope")
    doc = soup(res)
    assert doc.select_one("#err-month_from").get_text() == "起始月份应为“年-月”，如2026-10"
    assert doc.select_one("#err-item").get_text() == "没有这个事项"
    assert int(doc.select_one("[data-testid=count-all]").get_text()) == len(rows)
    assert re.search(r"好差评统计", res.text)
