"""Every route that serves a file, as each person allowed to fetch it: the file's own name, a preview only for
a PDF or an image, nosniff, a policy under which the file's own document can run and load nothing, no cache."""
from urllib.parse import quote

import pytest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from engine.attachments import attach
from engine.cases.lifecycle import start_change, submit
from engine.models import Case, Intent
from tests import factories as f
from tests.data import batch_rows
from tests.data import workbooks as wbs

PREVIEW_CSP = "default-src 'none'; script-src 'none'; object-src 'none'; frame-ancestors 'self'; sandbox"
DOWNLOAD_CSP = "default-src 'none'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; sandbox"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {"license": ("营业执照.pdf", f.PDF, "application/pdf"), "application_form": ("申请表.png", f.PNG, "image/png"),
         "management_plan": ("带教计划.jpg", f.JPEG, "image/jpeg")}


@pytest.fixture
def served(world, dbsession, catalogue, storage, make_web):
    """A case with a PDF, a PNG and a JPEG; a batch imported over HTTP; a refused import; an intent."""
    unit = world["unit"]
    item = catalogue.item("unit_application")
    # The unit is approved already: a second application of it is a change (申请变更).
    case = start_change(dbsession, catalogue, item, unit)
    data = dict(case.data)
    files = {slot: attach(dbsession, storage, catalogue, case, slot, name, body, unit).id
             for slot, (name, body, _) in FILES.items()}
    submit(dbsession, catalogue, item, unit, data, case=case)
    dbsession.add(Intent(position_id=world["position"].id, account_id=world["person"].id))
    f.reviewer(dbsession, login="caiwu", name="太原市财务审核员").finance = True   # 拨付权限: the payment workbook
    dbsession.commit()
    web = make_web()
    web.login(unit.login_name)
    match = catalogue.item("match_report")
    rows = batch_rows.match_rows(2, [world["position"].name])
    token = web.csrf()

    def send(name, status):
        return web.app.post("/api/items/match_report/imports", upload_files=[("file", name, wbs.workbook(match, rows))],
                            headers={"X-CSRF-Token": token}, status=status)
    good = send("匹配.xlsx", 201)
    rows[1]["mobile"] = "12"
    bad = send("错.xlsx", 422)
    batch = dbsession.scalar(select(Case).where(Case.id == good.json["case"]["id"]))
    return {"unit": web, "case": case.id, "files": files, "batch": batch.id, "errors": bad.json["errors_url"],
            "position": world["position"].id}


def client(make_web, served, actor):
    if actor == "owner":
        return served["unit"]
    web = make_web()
    web.login({"rev_in": "taiyuan", "finance": "caiwu", "admin": "admin"}[actor], tab="staff")
    return web


def case_file(slot, route="review"):
    def url(s):
        prefix = "/review/cases" if route == "review" else "/cases"
        return f"{prefix}/{s['case']}/files/{s['files'][slot]}"
    return url


# (route, actor, url, expected disposition, content type, the name's start as sent)
CALLS = [
    ("attachment_file", "owner", case_file("license", "unit"), "attachment", "application/pdf", "营业执照"),
    ("attachment_file", "owner", lambda s: case_file("license", "unit")(s) + "?inline=1", "inline",
     "application/pdf", "营业执照"),
    ("attachment_file", "owner", lambda s: case_file("application_form", "unit")(s) + "?inline=1", "inline",
     "image/png", "申请表"),
    ("attachment_file", "rev_in", case_file("management_plan", "unit"), "attachment", "image/jpeg", "带教计划"),
    ("review_file", "rev_in", case_file("license"), "inline", "application/pdf", "营业执照"),
    ("review_file", "rev_in", case_file("application_form"), "inline", "image/png", "申请表"),
    ("review_file", "rev_in", case_file("management_plan"), "inline", "image/jpeg", "带教计划"),
    ("review_file", "rev_in", lambda s: case_file("license")(s) + "?download=1", "attachment", "application/pdf",
     "营业执照"),
    ("batch_file", "owner", lambda s: f"/cases/{s['batch']}/import.xlsx", "attachment", XLSX, "匹配"),
    ("batch_file", "admin", lambda s: f"/cases/{s['batch']}/import.xlsx", "attachment", XLSX, "匹配"),
    ("batch_file_text", "rev_in", lambda s: f"/cases/{s['batch']}/import-text.xlsx", "attachment", XLSX,
     "匹配-公式已转为文本"),
    ("import_errors", "owner", lambda s: s["errors"], "attachment", XLSX, "错-错误标注"),
    ("item_template", "owner", lambda s: "/items/match_report/template.xlsx", "attachment", XLSX, "见习匹配结果"),
    ("api_item_template", "owner", lambda s: "/api/items/match_report/template.xlsx", "attachment", XLSX,
     "见习匹配结果"),
    ("unit_position_intents_xlsx", "owner", lambda s: f"/unit/positions/{s['position']}/intents.xlsx", "attachment",
     XLSX, "意向人员"),
    ("unit_position_match_template", "owner", lambda s: f"/unit/positions/{s['position']}/match-template.xlsx",
     "attachment", XLSX, "见习匹配结果"),
    ("admin_audit_xlsx", "admin", lambda s: "/admin/audit.xlsx", "attachment", XLSX, "审计日志"),
    ("review_missing_xlsx", "rev_in", lambda s: "/review/missing.xlsx?item=onduty_report&month=2026-03", "attachment",
     XLSX, "缺报名单-见习人员每月在岗情况上报-2026-03"),
    ("review_statistics_xlsx", "rev_in", lambda s: "/review/statistics.xlsx?figure=units&from=2026-01&to=2026-03",
     "attachment", XLSX, "数据统计-见习单位-2026-01至2026-03"),
    ("review_payments_xlsx", "finance", lambda s: "/review/payments.xlsx", "attachment", XLSX, "见习补贴拨付清单"),
    ("api_review_payments_xlsx", "finance", lambda s: "/api/review/payments.xlsx", "attachment", XLSX,
     "见习补贴拨付清单"),
]


@pytest.mark.parametrize("route,actor,url,disposition,content_type,name", CALLS,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}-{c[4].rsplit('/', 1)[1][:5]}" for c in CALLS])
def test_a_served_file_carries_its_headers(route, actor, url, disposition, content_type, name, served, make_web):
    web = client(make_web, served, actor)
    if route == "unit_position_match_template":
        intent = web.app.get(f"/unit/positions/{served['position']}").html.select_one("input[name=intent]")["value"]
        res = web.post(url(served), {"intent": intent})
    else:
        res = web.app.get(url(served))
    assert res.status_int == 200 and res.content_type == content_type
    headers = res.headers
    assert headers["Content-Disposition"].startswith(f"{disposition};")
    assert f"filename*=UTF-8''{quote(name)}" in headers["Content-Disposition"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == (PREVIEW_CSP if disposition == "inline" else DOWNLOAD_CSP)
    assert "no-store" in headers["Cache-Control"]


def test_every_route_that_serves_a_file_is_here(wsgi_app):
    routes = wsgi_app.registry.getUtility(IRoutesMapper).get_routes()
    serving = {r.name for r in routes if r.pattern.endswith(".xlsx") or "/files/" in r.pattern}
    assert serving == {c[0] for c in CALLS}
