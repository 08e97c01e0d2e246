"""数据统计 in a real browser: a city reviewer opens it from the queue, sees the city's figures as charts over
tables (not another city's), narrows the months, and downloads a figure's workbook; at 375 and 1366 px."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
from playwright.sync_api import expect

from engine import clock
from tests import factories as f
from tests.browser.test_review import login

WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 375, "height": 800}


def test_a_reviewer_reads_the_figures_and_downloads_one(page, live_server, check, session_factory, catalogue,
                                                        storage, clock_at):
    s = session_factory()
    clock_at(datetime(2026, 4, 15, 10, tzinfo=clock.BEIJING))
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    for n, (name, county) in enumerate((("太原晋阳智能科技有限公司", "140105"), ("太原汾河文旅有限公司", "140106"),
                                        ("大同云冈煤机有限公司", "140213"))):
        unit = f.located_unit(s, catalogue, storage, province, name, county, mobile=f"1371234567{n}")
        f.published_position(s, catalogue, unit, province, openings=3 + n, work_city=county[:4] + "00",
                             work_county=county)
        f.stored_batch(s, catalogue, unit, "match_report", f.agreement_rows(2 + n, "2026-02-01", "2026-07-31",
                                                                            first=n * 10))
    s.commit()
    s.close()

    page.set_viewport_size(WIDE)
    login(page, live_server, "/staff/login", "taiyuan")
    page.get_by_test_id("statistics-link").click()
    expect(page.get_by_role("heading", name="数据统计", level=1)).to_be_visible()
    expect(page.get_by_test_id("scope")).to_contain_text("太原市")
    units = page.locator("[data-testid=months-units] tr[data-month='2026-04'] td")
    expect(units).to_have_text(["2", "2"])
    expect(page.locator("[data-testid=regions-trainees] tr[data-region='140106'] td[data-series=matched]")).to_have_text("3")
    expect(page.locator("main")).not_to_contain_text("大同云冈煤机有限公司")
    expect(page.locator("#fig-units svg[role=img]")).to_have_count(2)
    check("statistics-1366")

    page.get_by_label("开始月份").fill("2026-02")
    page.get_by_label("结束月份").fill("2026-04")
    page.get_by_role("button", name="统计").click()
    page.wait_for_url("**from=2026-02**")
    expect(page.locator("[data-testid=months-units] tbody tr")).to_have_count(3)

    with page.expect_download() as info:
        page.get_by_test_id("export-trainees").click()
    download = info.value
    assert download.suggested_filename == "数据统计-见习人员-2026-02至2026-04.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    months = {r[0]: r[1:] for r in book["按月"].iter_rows(min_row=3, values_only=True)}
    assert months["2026-02"] == (5, 0) and months["合计"] == (5, 0)

    page.set_viewport_size(NARROW)
    page.reload()
    check("statistics-375")
