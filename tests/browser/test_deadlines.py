"""The reviewer's queue by deadline in a real browser: 即将超期 in yellow and 已超期 in red, each said in words,
then the 已超期 filter. Screenshots of both."""
from datetime import datetime

from playwright.sync_api import expect

from engine import clock
from tests import factories as f
from tests.browser.test_review import login


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


def test_the_queue_shows_yellow_and_red_deadlines_in_words(page, live_server, shot, check, session_factory, catalogue,
                                                           storage, clock_at):
    s = session_factory()
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    for name, day in (("太原晋阳数字科技有限公司", 2), ("太原并州物流有限公司", 9), ("太原汾河文旅有限公司", 12)):
        clock_at(bj(2026, 3, day))   # due 16, 23 and 26 March 2026
        f.submitted_unit_application(s, catalogue, storage, f.unit_account(s, name=name, mobile="13712345670"))
        s.commit()
    s.close()
    clock_at(bj(2026, 3, 19))

    login(page, live_server, "/staff/login", "taiyuan")
    page.get_by_label("排序").select_option("deadline")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**order=deadline**")
    badges = page.locator("[data-testid=queue] tbody [data-testid=deadline] .deadline")
    expect(badges).to_have_text(["已超期3个工作日", "即将超期：剩余2个工作日", "剩余5个工作日"])
    red, yellow, plain = (badges.nth(i).evaluate("e => getComputedStyle(e).backgroundColor") for i in range(3))
    assert red == "rgb(253, 236, 234)" and yellow == "rgb(255, 243, 196)" and plain == "rgb(238, 241, 245)"
    expect(page.locator("[data-testid=deadline-overdue]")).to_have_text("已超期 1")
    check("queue-by-deadline")

    page.locator("[data-testid=deadline-overdue]").click()
    page.wait_for_url("**deadline=overdue**")
    expect(badges).to_have_text(["已超期3个工作日"])
    shot("queue-overdue")


def test_the_administrator_sees_the_spring_festival_and_enters_a_workday_in_lieu(page, live_server, shot, check, session_factory,
                                                                         clock_at):
    s = session_factory()
    f.admin(s)
    s.commit()
    s.close()
    clock_at(bj(2026, 11, 20))
    login(page, live_server, "/staff/login", "admin")
    page.goto(live_server + "/admin/calendar?year=2026&month=2")
    expect(page.locator("td[data-day='2026-02-14']")).to_contain_text("班")
    expect(page.locator("td[data-day='2026-02-16']")).to_contain_text("春节")
    check("calendar-2026-02")
    page.goto(live_server + "/admin/calendar?year=2027&month=2")
    page.locator("#f-start").fill("2027-02-20")
    page.get_by_label("安排").select_option("workday")
    page.get_by_label("说明").fill("调休（春节）")
    page.get_by_role("button", name="保存设置").click()
    expect(page.locator("[data-testid=special] tr[data-day='2027-02-20']")).to_contain_text("管理员设置")
    shot("calendar-2027-02-entered")
