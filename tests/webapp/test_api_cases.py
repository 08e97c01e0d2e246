"""The JSON twin of the unit flows, each response checked against /api/openapi.json."""
import pytest
from sqlalchemy import func, select

from engine.models import Case
from tests import factories as f
from tests.openapi import assert_matches_spec


@pytest.fixture
def api_unit(dbsession, web):
    account = f.unit_account(dbsession, name="晋中新能源有限公司")
    dbsession.commit()
    res = web.app.post_json("/api/session", {"kind": "unit", "login": account.login_name, "password": f.PASSWORD})
    web.token = res.json["csrf_token"]
    return account


def call(web, method, url, json=None, status=None, **kw):
    headers = {"X-CSRF-Token": web.token}
    if json is not None:
        res = getattr(web.app, f"{method}_json")(url, json, headers=headers, status=status, **kw)
    else:
        res = getattr(web.app, method)(url, headers=headers, status=status, **kw)
    assert_matches_spec(res)
    return res


def test_items_are_listed_for_the_role(web, api_unit):
    res = call(web, "get", "/api/items")
    assert [i["key"] for i in res.json["items"]] == [
        "unit_application", "post_application", "match_report", "attendance_report", "onduty_report",
        "subsidy_claim"]
    detail = call(web, "get", "/api/items/unit_application")
    assert detail.json["schema"]["properties"]["credit_code"]["title"] == "统一社会信用代码"
    assert [s["label"] for s in detail.json["workflow"]["states"]][:2] == ["草稿", "未审核"]
    call(web, "get", "/api/items/nope", status=404)


def test_unit_application_through_the_api(web, api_unit, dbsession):
    data = f.unit_application_data("晋中新能源有限公司")
    res = call(web, "post", "/api/items/unit_application/cases", {"data": data}, status=201)
    case = res.json
    assert case["state"] == "draft" and case["data"]["unit_name"] == "晋中新能源有限公司"
    early = call(web, "post", f"/api/cases/{case['id']}/transitions/submit", {}, status=422)
    assert "请先上传以下附件" in early.json["error"]
    for slot in ("license", "application_form", "management_plan"):
        up = web.app.post(f"/api/cases/{case['id']}/attachments/{slot}", upload_files=[("file", f"{slot}.pdf", f.PDF)],
                          headers={"X-CSRF-Token": web.token}, status=201)
        assert_matches_spec(up)
        assert up.json["content_type"] == "application/pdf"
    bad = web.app.post(f"/api/cases/{case['id']}/attachments/license", upload_files=[("file", "x.pdf", b"GIF89a....")],
                       headers={"X-CSRF-Token": web.token}, status=422)
    assert_matches_spec(bad)
    done = call(web, "post", f"/api/cases/{case['id']}/transitions/submit", {"version": 1}, status=409)
    assert done.json["error"] == "该申请已被他人处理"
    current = call(web, "get", f"/api/cases/{case['id']}").json
    done = call(web, "post", f"/api/cases/{case['id']}/transitions/submit", {"version": current["version"]})
    assert done.json["state"] == "submitted" and done.json["reference"].startswith("JX-140100-")
    assert [e["to"] for e in done.json["events"]] == ["submitted"]
    listed = call(web, "get", "/api/cases?state=submitted")
    assert listed.json["total"] == 1 and listed.json["counts"] == {"submitted": 1}
    call(web, "get", "/api/cases?month=2026-13", status=422)


def test_validation_errors_are_422_with_every_field(web, api_unit, dbsession):
    data = f.unit_application_data("别的名字", staff_count=3, insured_count=4, contact_mobile="1")
    res = call(web, "post", "/api/items/unit_application/cases", {"data": data, "submit": True}, status=422)
    fields = {e["field"]: e["message"] for e in res.json["errors"]}
    assert fields == {"contact_mobile": "联系电话应为11位手机号码，如13812345678",
                      "insured_count": "参保人数不能大于职工人数（3）",
                      "account_name": "开户名称须与单位名称完全一致，请核对"}
    assert dbsession.scalar(select(func.count()).select_from(Case)) == 0


def test_post_application_api_refused_before_approval(web, api_unit):
    res = call(web, "post", "/api/items/post_application/cases", {"data": f.post_data(), "submit": True}, status=403)
    assert "尚未通过就业见习单位申请" in res.json["error"]


def test_post_application_api_after_approval(web, api_unit, dbsession, catalogue, storage):
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    f.approved_unit(dbsession, catalogue, storage, api_unit, province)
    dbsession.commit()
    res = call(web, "post", "/api/items/post_application/cases", {"data": f.post_data(), "submit": True}, status=201)
    assert res.json["state"] == "submitted"


def test_draft_update_with_stale_version_is_409(web, api_unit):
    case = call(web, "post", "/api/items/unit_application/cases", {"data": {"address": "甲"}}, status=201).json
    ok = call(web, "put", f"/api/cases/{case['id']}", {"data": {"address": "乙"}, "version": case["version"]})
    assert ok.json["data"]["address"] == "乙"
    stale = call(web, "put", f"/api/cases/{case['id']}", {"data": {"address": "丙"}, "version": case["version"]},
                 status=409)
    assert "请刷新后重试" in stale.json["error"]


def test_unit_cannot_fire_reviewer_triggers(web, api_unit, dbsession, catalogue, storage):
    case = f.submitted_unit_application(dbsession, catalogue, storage, api_unit)
    dbsession.commit()
    res = call(web, "post", f"/api/cases/{case.id}/transitions/approve", {}, status=403)
    assert res.json["error"] == "您的账号无权执行“审核通过”"


def test_anonymous_gets_401_and_unknown_case_404(web, api_unit):
    call(web, "get", "/api/cases/424242", status=404)
    web.app.reset()
    res = web.app.get("/api/cases", status=401)
    assert res.json["error"] == "请先登录"


def test_missing_csrf_header_is_refused(web, api_unit):
    res = web.app.post_json("/api/items/unit_application/cases", {"data": {}}, status=400)
    assert "页面已过期" in res.json["error"]


def test_a_case_claimed_by_another_reviewer_is_refused_through_the_api(web, dbsession, catalogue, storage):
    """The claim a colleague holds stops the API as it stops the page and the bulk action."""
    from engine.cases.lifecycle import submit
    from engine.review.claims import claim
    unit = f.unit_account(dbsession, name="晋中新能源有限公司")
    holder = f.reviewer(dbsession, login="ty_holder", name="王审核")
    f.reviewer(dbsession, login="ty_other", name="李审核")
    f.approved_unit(dbsession, catalogue, storage, unit, f.reviewer(dbsession, login="sheng", jurisdiction="140000"))
    case = submit(dbsession, catalogue, catalogue.item("post_application"), unit, f.post_data())
    claim(dbsession, case, holder)
    dbsession.commit()
    res = web.app.post_json("/api/session", {"kind": "staff", "login": "ty_other", "password": f.PASSWORD})
    web.token = res.json["csrf_token"]
    refused = call(web, "post", f"/api/cases/{case.id}/transitions/approve", {"version": case.version}, status=409)
    assert "王审核" in refused.json["error"] and "认领" in refused.json["error"]
    dbsession.expire_all()
    assert dbsession.get(Case, case.id).state == "submitted"
