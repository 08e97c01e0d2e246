"""缺报名单 in a real browser: a city reviewer opens it from the queue, picks the on-duty report, sees the unit
of the city that reported nothing for March (and not another city's), and downloads the workbook."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
from playwright.sync_api import expect

from engine import clock
from tests import factories as f
from tests.browser.test_review import login


def test_a_reviewer_finds_the_missing_unit_and_downloads_the_list(page, live_server, shot, session_factory,
                                                                  catalogue, storage, clock_at):
    s = session_factory()
    clock_at(datetime(2026, 4, 13, 10, tzinfo=clock.BEIJING))   # March's reports were due on Friday the 10th
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    for n, (name, county) in enumerate((("太原晋阳智能科技有限公司", "140105"), ("大同云冈煤机有限公司", "140213"))):
        unit = f.located_unit(s, catalogue, storage, province, name, county, mobile=f"1371234567{n}")
        people = f.agreement_rows(2, "2026-01-01", "2026-06-30", first=n * 10)
        f.stored_batch(s, catalogue, unit, "match_report", people)
    s.commit()
    s.close()

    login(page, live_server, "/staff/login", "taiyuan")
    page.get_by_test_id("missing-link").click()
    page.get_by_label("事项", exact=True).select_option(label="见习人员每月在岗情况上报")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**item=onduty_report**")
    expect(page.get_by_label("报表月份")).to_have_value("2026-03")
    expect(page.get_by_test_id("summary")).to_contain_text("报送期限 2026-04-10")
    rows = page.locator("[data-testid=missing] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("太原晋阳智能科技有限公司")
    expect(rows.first.get_by_test_id("status")).to_have_text("缺报 已逾期3天")
    expect(page.locator("main")).not_to_contain_text("大同云冈煤机有限公司")
    shot("missing-list")

    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    download = info.value
    assert download.suggested_filename == "缺报名单-见习人员每月在岗情况上报-2026-03.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    values = list(ws.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][0] == "太原晋阳智能科技有限公司"
    assert values[1][2:] == ("太原市 小店区", 2, 0, "2026-04-10", "缺报，已逾期3天")
