"""Every route of the app, called as every kind of person. One table holds every expectation.

The table must name every route in Pyramid's route table (test_every_route_is_in_the_matrix), so a
new route cannot escape it. Cells say what a person gets:
  ok     the request was allowed (anything but 401/403/404 and never a 5xx)
  login  an anonymous page request is sent to a login page (303)
  401 / 403 / 404  refused with that status
Reviewers get 404, never 403, on objects outside their jurisdiction, so they cannot learn what exists.
"""
from __future__ import annotations

import pytest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from engine.accounts.agents import invite
from engine.accounts.sessions import start as start_session
from engine.attachments import attach
from engine.cases.lifecycle import save_draft, start_change, transition
from engine.models import (Account, BatchImport, BatchRow, Case, CaseEvent, ClaimObjection, Delivery, Intent, Notice,
                           RatingFollowup, utcnow)
from engine.subsidy import claims
from tests import factories as f
from tests.data import workbooks

ACTORS = ("anon", "owner", "other", "person", "rev_in", "rev_out", "admin")
OK, LOGIN = "ok", "login"


def row(anon, owner, other, person, rev_in, rev_out, admin):
    return dict(zip(ACTORS, (anon, owner, other, person, rev_in, rev_out, admin)))


UNIT_ONLY_PAGE = row(LOGIN, OK, OK, 403, 403, 403, 403)
UNIT_ONLY_API = row(401, OK, OK, 403, 403, 403, 403)
OWNER_PAGE = row(LOGIN, OK, 403, 403, 404, 404, 403)          # reviewers use /review/..., never the unit's pages
OWNER_POST = row(401, OK, 403, 403, 404, 404, 403)
READ_PAGE = row(LOGIN, OK, 403, 403, OK, 404, 403)             # owner and the jurisdiction's reviewers
REVIEW_PAGE = row(LOGIN, 403, 403, 403, OK, 404, 403)
REVIEW_POST = row(401, 403, 403, 403, OK, 404, 403)
REVIEWER_PAGE = row(LOGIN, 403, 403, 403, OK, OK, 403)
ADMIN_PAGE = row(LOGIN, 403, 403, 403, 403, 403, OK)
ADMIN_POST = row(401, 403, 403, 403, 403, 403, OK)
PUBLIC = row(OK, OK, OK, OK, OK, OK, OK)
NOBODY = row(404, 404, 404, 404, 404, 404, 404)
SIGNED_IN_PAGE = row(LOGIN, OK, OK, OK, OK, OK, OK)

# route name -> list of (method, url template, body kind, expectations)
MATRIX = {
    "__static/": [("GET", "/static/app.css", None, PUBLIC)],
    "home": [("GET", "/", None, PUBLIC)],
    "health": [("GET", "/healthz", None, PUBLIC)],
    "login": [("GET", "/login", None, PUBLIC)],
    "staff_login": [("GET", "/staff/login", None, PUBLIC)],
    "logout": [("POST", "/logout", "form", PUBLIC)],
    # Between password and code, and enrolment: without a waiting session, back to the login page.
    "staff_code": [("GET", "/staff/login/code", None, row(LOGIN, OK, OK, OK, OK, OK, OK))],
    "staff_enrol": [("GET", "/staff/two-factor", None, row(LOGIN, 404, 404, 404, OK, OK, OK))],
    "account": [("GET", "/me/account", None, SIGNED_IN_PAGE)],
    "api_account": [("GET", "/api/account", None, row(401, OK, OK, OK, OK, OK, OK))],
    # 登录设备: a session is its account's alone; anyone else's is as if it did not exist.
    "my_sessions": [("GET", "/me/sessions", None, SIGNED_IN_PAGE)],
    "my_session_end": [("POST", "/me/sessions/{owner_session}/end", "form", row(401, OK, 404, 404, 404, 404, 404))],
    "my_sessions_end_others": [("POST", "/me/sessions/end-others", "form", row(401, OK, OK, OK, OK, OK, OK))],
    "api_sessions": [("GET", "/api/sessions", None, row(401, OK, OK, OK, OK, OK, OK)),
                     ("DELETE", "/api/sessions", "json", row(401, OK, OK, OK, OK, OK, OK))],
    "api_sessions_item": [("DELETE", "/api/sessions/{owner_session}", "json", row(401, OK, 404, 404, 404, 404, 404))],
    "register_unit": [("GET", "/register/unit", None, PUBLIC)],
    # The suite's app has no unified login configured (tests/webapp/test_unified_login.py has one that does).
    "unified_login": [("GET", "/login/unified?kind=unit", None, row(404, 404, 404, 404, 404, 404, 404))],
    "unified_callback": [("GET", "/login/unified/callback?code=x&state=y", None, PUBLIC)],
    "register_individual": [("GET", "/register/individual", None, PUBLIC)],
    "account": [("GET", "/me/account", None, SIGNED_IN_PAGE)],
    "item": [("GET", "/items/unit_application", None, UNIT_ONLY_PAGE),
             ("POST", "/items/unit_application", "save", row(401, OK, OK, 403, 403, 403, 403))],
    # 申请变更: the owner (approved) gets its change draft, the other unit (nothing in force) is told so.
    "item_change": [("POST", "/items/unit_application/change", "form", row(401, OK, OK, 403, 403, 403, 403))],
    "case_detail": [("GET", "/cases/{submitted}", None, OWNER_PAGE)],
    "case_edit": [("GET", "/cases/{draft}/edit", None, OWNER_PAGE),
                  ("POST", "/cases/{draft}/edit", "save", OWNER_POST)],
    # 核对申请内容 and its 提交: the owner's draft (the draft is incomplete: its 提交 is refused, not a 5xx).
    "case_check": [("GET", "/cases/{draft}/check", None, OWNER_PAGE),
                   ("POST", "/cases/{draft}/check", "form", OWNER_POST)],
    "case_done": [("GET", "/cases/{submitted}/done", None, OWNER_PAGE)],
    "case_print": [("GET", "/cases/{submitted}/print", None, READ_PAGE)],
    "attachment_file": [("GET", "/cases/{app_case}/files/{attachment}", None, READ_PAGE)],
    "my_cases": [("GET", "/me/cases", None, SIGNED_IN_PAGE)],
    # 好差评: the owner's alone (its approved application is rated: a second rating is refused, not hidden).
    "case_rating": [("GET", "/cases/{app_case}/rating", None, OWNER_PAGE),
                    ("POST", "/cases/{app_case}/rating", "form", OWNER_POST)],
    # 办件进度查询: anyone (what a lookup may show is engine.access's may_follow, tests/webapp/test_progress.py).
    "progress": [("GET", "/progress", None, PUBLIC), ("POST", "/progress", "form", PUBLIC)],
    # 见习补贴公示: anyone; a claim in review (as {subsidy_ref} is) is public to no one, its owner included
    # (what a published one shows: tests/webapp/test_publicity.py).
    "publicity_list": [("GET", "/gongshi", None, PUBLIC)],
    "publicity_claim": [("GET", "/gongshi/{subsidy_ref}", None, NOBODY),
                        ("POST", "/gongshi/{subsidy_ref}", "form", NOBODY)],
    # A notice is its recipient's alone: anyone else's is as if it did not exist (404), staff's included.
    "notices": [("GET", "/me/notices", None, SIGNED_IN_PAGE)],
    "account": [("GET", "/me/account", None, SIGNED_IN_PAGE)],
    "notice_read": [("POST", "/me/notices/{notice}/read", "form", row(401, OK, 404, 404, 404, 404, 404))],
    "notices_read_all": [("POST", "/me/notices/read-all", "form", row(401, OK, OK, OK, OK, OK, OK))],
    "item_template": [("GET", "/items/attendance_report/template.xlsx", None, UNIT_ONLY_PAGE)],
    "item_import": [("GET", "/items/attendance_report/import", None, UNIT_ONLY_PAGE),
                    ("POST", "/items/attendance_report/import", "form", row(401, OK, OK, 403, 403, 403, 403))],
    # No such error workbook for anyone (tests/webapp/test_batches.py: another account's token is 404 too).
    "import_errors": [("GET", "/imports/{foreign_token}/errors.xlsx", None, row(LOGIN, 404, 404, 404, 404, 404, 404))],
    "batch_rows": [("GET", "/cases/{batch}/rows", None, OWNER_PAGE)],
    # The file as uploaded: its unit and administrators; reviewers get the copy with formulas as text.
    "batch_file": [("GET", "/cases/{batch}/import.xlsx", None, row(LOGIN, OK, 403, 403, 404, 404, OK))],
    "batch_file_text": [("GET", "/cases/{batch}/import-text.xlsx", None, REVIEW_PAGE)],
    # 见习补贴申领: the unit's page of its claim's lines (重新计算 / 提交 on a draft); reviewers read them on
    # the review page and through the API.
    "subsidy_lines": [("GET", "/cases/{subsidy}/subsidy", None, OWNER_PAGE),
                      ("POST", "/cases/{subsidy_draft}/subsidy", "form", OWNER_POST)],
    "positions": [("GET", "/positions?city=140100", None, PUBLIC)],
    "position": [("GET", "/positions/{position}", None, PUBLIC)],
    # Anyone may press 我有意向: the anonymous go to login and back, others are told only individuals can.
    "position_intent": [("POST", "/positions/{position}/intent", "form", row(LOGIN, OK, OK, OK, OK, OK, OK))],
    "my_intents": [("GET", "/me/intents", None, row(LOGIN, 403, 403, OK, 403, 403, 403))],
    "intent_withdraw": [("POST", "/me/intents/{intent}/withdraw", "form", row(401, 403, 403, OK, 403, 403, 403))],
    "unit_positions": [("GET", "/unit/positions", None, UNIT_ONLY_PAGE)],
    "unit_position": [("GET", "/unit/positions/{position}", None, row(LOGIN, OK, 403, 403, 404, 404, 403))],
    "unit_position_takedown": [("POST", "/unit/positions/{position}/takedown", "form",
                                row(401, OK, 403, 403, OK, 404, 403))],
    "unit_position_intents_xlsx": [("GET", "/unit/positions/{position}/intents.xlsx", None,
                                    row(LOGIN, OK, 403, 403, 404, 404, 403))],
    "unit_position_match_template": [("POST", "/unit/positions/{position}/match-template.xlsx", "form",
                                      row(401, OK, 403, 403, 404, 404, 403))],
    # 经办人管理: every unit sees its own people; only its administrator changes them, and only its own unit's.
    "unit_agents": [("GET", "/unit/agents", None, UNIT_ONLY_PAGE),
                    ("POST", "/unit/agents", "form", row(401, OK, OK, 403, 403, 403, 403))],
    "unit_agent_remove": [("POST", "/unit/agents/{agent}/remove", "form", row(401, OK, 404, 403, 403, 403, 403))],
    "unit_invitation_cancel": [("POST", "/unit/invitations/{invitation}/cancel", "form",
                                row(401, OK, 404, 403, 403, 403, 403))],
    "review_queue": [("GET", "/review", None, REVIEWER_PAGE)],
    "review_case": [("GET", "/review/cases/{submitted}", None, REVIEW_PAGE)],
    "review_transition": [("GET", "/review/cases/{submitted}/transitions/approve", None, REVIEW_PAGE),
                          ("POST", "/review/cases/{submitted}/transitions/approve", "form", REVIEW_POST)],
    "review_claim": [("POST", "/review/cases/{submitted}/claim", "form", REVIEW_POST)],
    "review_bulk": [("GET", "/review/bulk", None, REVIEWER_PAGE),
                    ("POST", "/review/bulk", "form", row(401, 403, 403, 403, OK, OK, 403))],
    "review_file": [("GET", "/review/cases/{app_case}/files/{attachment}", None, REVIEW_PAGE)],
    # 差评整改: the reviewers whose jurisdiction covers the rated case's place.
    "review_followups": [("GET", "/review/followups", None, REVIEWER_PAGE)],
    "review_followup": [("GET", "/review/followups/{followup}", None, REVIEW_PAGE),
                        ("POST", "/review/followups/{followup}", "form", REVIEW_POST)],
    # 缺报名单: every reviewer (each sees their jurisdiction's units) and administrators (every unit).
    "review_missing": [("GET", "/review/missing", None, row(LOGIN, 403, 403, 403, OK, OK, OK))],
    "review_objections": [("GET", "/review/objections", None, REVIEWER_PAGE)],
    "review_objection_uphold": [("POST", "/review/objections/{objection}/uphold", "form", REVIEW_POST)],
    "review_objection_dismiss": [("POST", "/review/objections/{objection}/dismiss", "form", REVIEW_POST)],
    "review_missing_xlsx": [("GET", "/review/missing.xlsx", None, row(LOGIN, 403, 403, 403, OK, OK, OK))],
    "review_statistics": [("GET", "/review/statistics", None, row(LOGIN, 403, 403, 403, OK, OK, OK))],
    "review_statistics_xlsx": [("GET", "/review/statistics.xlsx?figure=units", None,
                                row(LOGIN, 403, 403, 403, OK, OK, OK))],
    # 见习补贴拨付: reviewers with 拨付权限 only (none of these actors has it; tests/webapp/test_payment.py has them).
    "review_payments": [("GET", "/review/payments", None, row(LOGIN, 403, 403, 403, 403, 403, 403)),
                        ("POST", "/review/payments", "form", row(401, 403, 403, 403, 403, 403, 403))],
    "review_payments_xlsx": [("GET", "/review/payments.xlsx", None, row(LOGIN, 403, 403, 403, 403, 403, 403))],
    "admin_home": [("GET", "/admin", None, ADMIN_PAGE)],
    "admin_accounts": [("GET", "/admin/accounts", None, ADMIN_PAGE),
                       ("POST", "/admin/accounts", "form", ADMIN_POST)],
    "admin_account": [("GET", "/admin/accounts/{rev_out_id}", None, ADMIN_PAGE),
                      ("POST", "/admin/accounts/{rev_out_id}", "form", ADMIN_POST)],
    "admin_items": [("GET", "/admin/items", None, ADMIN_PAGE)],
    "admin_item": [("GET", "/admin/items/unit_application", None, ADMIN_PAGE)],
    "admin_calendar": [("GET", "/admin/calendar?year=2027&month=2", None, ADMIN_PAGE),
                       ("POST", "/admin/calendar", "form", ADMIN_POST)],
    "admin_audit": [("GET", "/admin/audit", None, ADMIN_PAGE)],
    "admin_audit_xlsx": [("GET", "/admin/audit.xlsx", None, ADMIN_PAGE)],
    "admin_deliveries": [("GET", "/admin/deliveries?state=all", None, ADMIN_PAGE)],
    "admin_delivery_resend": [("POST", "/admin/deliveries/{delivery}/resend", "form", ADMIN_POST)],
    "admin_ratings": [("GET", "/admin/ratings?city=140100", None, ADMIN_PAGE)],
    "api_openapi": [("GET", "/api/openapi.json", None, PUBLIC)],
    "api_session": [("DELETE", "/api/session", "json", PUBLIC)],
    "api_account": [("GET", "/api/account", None, row(401, OK, OK, OK, OK, OK, OK))],
    "api_regions": [("GET", "/api/regions", None, PUBLIC)],
    "api_items": [("GET", "/api/items", None, PUBLIC)],
    "api_item": [("GET", "/api/items/unit_application", None, PUBLIC)],
    "api_item_cases": [("POST", "/api/items/unit_application/cases", "json", UNIT_ONLY_API)],
    "api_item_template": [("GET", "/api/items/attendance_report/template.xlsx", None, UNIT_ONLY_API)],
    "api_item_imports": [("POST", "/api/items/attendance_report/imports", "json", UNIT_ONLY_API)],
    "api_item_subsidy": [("POST", "/api/items/subsidy_claim/subsidy-claims", "json", UNIT_ONLY_API)],
    "api_cases": [("GET", "/api/cases", None, row(401, OK, OK, OK, OK, OK, OK))],
    "api_subsidy": [("GET", "/api/cases/{subsidy}/subsidy", None, row(401, OK, 403, 403, OK, 404, 403))],
    "api_subsidy_recompute": [("POST", "/api/cases/{subsidy_draft}/subsidy/recompute", "json", OWNER_POST)],
    "api_case": [("GET", "/api/cases/{submitted}", None, row(401, OK, 403, 403, OK, 404, 403)),
                 ("PUT", "/api/cases/{draft}", "json", OWNER_POST)],
    "api_case_check": [("GET", "/api/cases/{draft}/check", None, row(401, OK, 403, 403, 404, 404, 403))],
    "api_case_attachment": [("POST", "/api/cases/{app_draft}/attachments/license", "upload", OWNER_POST)],
    "api_case_transition": [("POST", "/api/cases/{submitted}/transitions/approve", "json",
                             row(401, 403, 403, 403, OK, 404, 403))],
    "api_positions": [("GET", "/api/positions?city=140100", None, PUBLIC)],
    "api_position": [("GET", "/api/positions/{position}", None, PUBLIC)],
    "api_position_intents": [("GET", "/api/positions/{position}/intents", None, row(401, OK, 403, 403, 404, 404, 403)),
                             ("POST", "/api/positions/{position}/intents", "json", row(401, 403, 403, OK, 403, 403, 403))],
    "api_intent": [("DELETE", "/api/intents/{intent}", "json", row(401, 403, 403, OK, 403, 403, 403))],
    "api_review_cases": [("GET", "/api/review/cases", None, row(401, 403, 403, 403, OK, OK, 403)),
                         ("POST", "/api/review/cases", "json", row(401, 403, 403, 403, OK, OK, 403))],
    "api_case_rating": [("GET", "/api/cases/{app_case}/rating", None, row(401, OK, 403, 403, OK, 404, 403)),
                        ("POST", "/api/cases/{app_case}/rating", "json", OWNER_POST)],
    "api_review_followups": [("GET", "/api/review/followups", None, row(401, 403, 403, 403, OK, OK, 403))],
    "api_review_followup": [("GET", "/api/review/followups/{followup}", None, row(401, 403, 403, 403, OK, 404, 403)),
                            ("POST", "/api/review/followups/{followup}", "json", REVIEW_POST)],
    "api_review_missing": [("GET", "/api/review/missing", None, row(401, 403, 403, 403, OK, OK, OK))],
    "api_review_statistics": [("GET", "/api/review/statistics", None, row(401, 403, 403, 403, OK, OK, OK))],
    "api_review_payments": [("GET", "/api/review/payments", None, row(401, 403, 403, 403, 403, 403, 403))],
    "api_review_payments_xlsx": [("GET", "/api/review/payments.xlsx", None, row(401, 403, 403, 403, 403, 403, 403))],
    "api_case_payment": [("POST", "/api/cases/{subsidy}/payment", "json", REVIEW_POST | {"rev_in": 403})],
    "api_unit_agents": [("GET", "/api/unit/agents", None, UNIT_ONLY_API)],
    "api_unit_invitations": [("POST", "/api/unit/invitations", "json", UNIT_ONLY_API)],
    "api_unit_agent": [("DELETE", "/api/unit/agents/{agent}", "json", row(401, OK, 404, 403, 403, 403, 403))],
    "api_unit_invitation": [("DELETE", "/api/unit/invitations/{invitation}", "json",
                             row(401, OK, 404, 403, 403, 403, 403))],
    "api_notices": [("GET", "/api/notices", None, row(401, OK, OK, OK, OK, OK, OK))],
    "api_account": [("GET", "/api/account", None, row(401, OK, OK, OK, OK, OK, OK))],
    "api_notice_read": [("POST", "/api/notices/{notice}/read", "json", row(401, OK, 404, 404, 404, 404, 404))],
    "api_notices_read_all": [("POST", "/api/notices/read-all", "json", row(401, OK, OK, OK, OK, OK, OK))],
    "api_progress": [("POST", "/api/progress", "json", PUBLIC)],
    "api_publicity_list": [("GET", "/api/publicity", None, PUBLIC)],
    "api_publicity_claim": [("GET", "/api/publicity/{subsidy_ref}", None, NOBODY)],
    # An empty body is refused field by field (422) before any claim is looked up.
    "api_publicity_objections": [("POST", "/api/publicity/{subsidy_ref}/objections", "json", PUBLIC)],
    "api_review_objections": [("GET", "/api/review/objections", None, row(401, 403, 403, 403, OK, OK, 403))],
    "api_review_objection_uphold": [("POST", "/api/review/objections/{objection}/uphold", "json", REVIEW_POST)],
    "api_review_objection_dismiss": [("POST", "/api/review/objections/{objection}/dismiss", "json", REVIEW_POST)],
}

CELLS = [(name, i, actor) for name, calls in MATRIX.items() for i in range(len(calls)) for actor in ACTORS]


def test_every_route_is_in_the_matrix(wsgi_app):
    routes = {r.name for r in wsgi_app.registry.getUtility(IRoutesMapper).get_routes()}
    assert routes - set(MATRIX) == set(), "routes missing from the access matrix"
    assert set(MATRIX) - routes == set(), "matrix names routes that no longer exist"


@pytest.fixture
def objects(world, dbsession, catalogue, storage):
    """The owner's cases, files, batch, position and an intent, plus an import error file of the other unit."""
    s = dbsession
    unit, other, person = world["unit"], world["other"], world["person"]
    submitted = world["unit_case"]
    # The approved application is no use for edits and transitions: a fresh submitted and a draft.
    from engine.cases.lifecycle import submit
    post = submit(s, catalogue, catalogue.item("post_application"), unit, f.post_data(position_name="第二个岗位"))
    draft = save_draft(s, catalogue, catalogue.item("post_application"), unit, {"position_name": "草稿岗位"})
    # The unit's application is approved: a draft of it now is a change (申请变更).
    app_draft = start_change(s, catalogue, catalogue.item("unit_application"), unit)
    from engine.batch.store import store_batch
    batch = store_batch(s, catalogue, catalogue.item("match_report"), unit, [(2, {
        "name": "王小丽", "id_number": f.new_id_number("20030517"), "mobile": "13812345678", "education": "本科",
        "school": "山西大学", "major": "会计学", "graduated_on": "2026-07-01", "category": "离校2年内未就业高校毕业生",
        "position": world["position"].name, "__position": world["position"], "start_date": "2026-09-01",
        "end_date": "2027-02-28", "allowance": 2600, "insurance_no": "P-1"})], "m.xlsx")
    kept = storage.save(workbooks.raw_workbook(["姓名"], [["王小丽"]]))
    s.add(BatchImport(token="1" * 32, item_key="match_report", definition_version=batch.definition_version,
                      account_id=unit.id, unit_id=unit.unit_id, filename="m.xlsx", size=10, sha256="0" * 64,
                      storage_key=kept.key, row_count=1, error_count=0, case_id=batch.id))
    intent = Intent(position_id=world["position"].id, account_id=person.id)
    s.add(intent)
    # A submitted case another reviewer of the jurisdiction (the province's) has claimed, and a draft with a file.
    claimed = submit(s, catalogue, catalogue.item("post_application"), unit, f.post_data(position_name="已认领岗位"))
    claimed.claimed_by, claimed.claimed_at = world["province"].id, utcnow()
    draft_file = attach(s, storage, catalogue, app_draft, "license", "license.pdf", f.PDF, unit)
    # The approved application rated 不满意: its follow-up (差评整改) is 太原's (and the province's).
    from engine.ratings.rating import rate
    from engine.ratings.scale import ALL
    rated = rate(s, catalogue, submitted, unit, {**{d.key: 2 for d in ALL}, "comment": "材料要求不清楚"})
    followup = s.scalar(select(RatingFollowup.id).where(RatingFollowup.rating_id == rated.id))
    # A submitted 见习补贴申领 for the matched person's first month, and a draft one.
    trainee = s.scalar(select(BatchRow.id_number).where(BatchRow.case_id == batch.id))
    f.reported(s, catalogue, unit, "onduty_report", [f.onduty_row(trainee, "2026-09", name="王小丽")])
    f.reported(s, catalogue, unit, "attendance_report", [f.attendance_row(trainee, "2026-09", name="王小丽")])
    claim_item = catalogue.item("subsidy_claim")
    subsidy = claims.start(s, catalogue, claim_item, unit, {"period_from": "2026-09", "period_to": "2026-09"})
    transition(s, catalogue, subsidy, "submit", unit)
    subsidy_draft = claims.start(s, catalogue, claim_item, unit, {"period_from": "2026-10", "period_to": "2026-10"})
    # An objection to it (as if sent during a 公示): decided by the reviewers of its jurisdiction only.
    objection = ClaimObjection(claim_id=claims.claim_of(s, subsidy).id, text="请核查该单位见习人员", status="pending")
    s.add(objection)
    s.commit()
    # The unit's notice of its approved application, and a delivery of one (its SMS).
    notice = s.scalar(select(Notice).where(Notice.recipient_id == unit.id, Notice.inapp.is_(True)).order_by(Notice.id))
    delivery = s.scalar(select(Delivery.id).order_by(Delivery.id))
    # A second person acting for the owner's unit, and an invitation of a third (经办人管理).
    agent = Account(login_name="oidc:matrix-agent", role="unit", name="王芳", id_number=f.new_id_number("19900721"),
                    password_hash="!", unit_id=unit.unit_id)
    s.add(agent)
    s.flush()
    invitation = invite(s, unit, f.new_id_number("19880101"), "赵磊")
    _, owner_session = start_session(s, unit, "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0", "10.0.0.9")
    s.commit()
    return {"owner_session": owner_session.id, "notice": notice.id, "delivery": delivery,
            "submitted": post.id, "draft": draft.id, "app_draft": app_draft.id, "attachment": submitted.attachments[0].id,
            "claimed": claimed.id, "draft_attachment": draft_file.id,
            "app_case": submitted.id, "batch": batch.id, "position": world["position"].id, "intent": intent.id,
            "rev_out_id": world["datong"].id, "foreign_token": "0" * 32, "agent": agent.id,
            "invitation": invitation.id, "followup": followup,
            "subsidy": subsidy.id, "subsidy_draft": subsidy_draft.id, "subsidy_ref": subsidy.reference,
            "objection": objection.id}


def _client(make_web, world, actor):
    web = make_web()
    logins = {"owner": (world["unit"].login_name, "unit"), "other": (world["other"].login_name, "unit"),
              "person": (world["person"].login_name, "individual"), "rev_in": ("taiyuan", "staff"),
              "rev_out": ("datong", "staff"), "admin": ("admin", "staff")}
    if actor in logins:
        login, tab = logins[actor]
        assert web.login(login, tab=tab).status_int == 303
    return web


def _call(web, method, url, body):
    token = web.csrf()
    headers = {"X-CSRF-Token": token}
    if method == "GET":
        return web.app.get(url, status="*")
    if method in ("PUT", "DELETE") or body == "json":
        return getattr(web.app, f"{method.lower()}_json")(url, {}, headers=headers, status="*")
    if body == "upload":
        return web.app.post(url, upload_files=[("file", "x.pdf", f.PDF)], headers=headers, status="*")
    params = {"csrf_token": token}
    if body == "save":
        params["action"] = "save"
    return web.app.post(url, params, status="*")


def _verdict(res) -> str:
    if res.status_int == 303 and "/login" in res.location:
        return LOGIN
    if res.status_int in (401, 403, 404):
        return str(res.status_int)
    assert res.status_int < 500, f"server error {res.status_int}: {res.text[:300]}"
    return OK


def _run_route(route, calls, make_web, world, objects) -> list[str]:
    failures = []
    clients = {}
    for method, template, body, expected in calls:
        url = template.format(**objects)
        order = sorted(ACTORS, key=lambda a: expected[a] == OK)   # refusals first, then those allowed
        for actor in order:
            if actor not in clients or method in ("POST", "DELETE") and route in ("logout", "api_session"):
                clients[actor] = _client(make_web, world, actor)
            web = clients[actor]
            got = _verdict(_call(web, method, url, body))
            want = str(expected[actor])
            if got != want:
                failures.append(f"{method} {url} as {actor}: expected {want}, got {got}")
    return failures


@pytest.mark.parametrize("route", list(MATRIX))
def test_access(route, make_web, world, objects):
    """Each actor on each call of one route; mutations by allowed actors happen after every refusal."""
    failures = _run_route(route, MATRIX[route], make_web, world, objects)
    assert not failures, "\n".join(failures)


# A never-submitted case, tried on every route that takes a case: to staff it is as if it were outside
# their jurisdiction (the reviewer of its jurisdiction gets what the reviewer of another gets: 404),
# while the owner and everyone else get what they get on a submitted case. Batch cases are created
# submitted (there is no batch draft), so the batch routes are tried with the submitted case only.
DRAFT_SWAP = {"{submitted}": "{draft}", "{app_case}": "{app_draft}", "{attachment}": "{draft_attachment}"}
CASE_ROUTES = [name for name, calls in MATRIX.items()
               if any(k in call[1] for call in calls for k in (*DRAFT_SWAP, "{draft}", "{app_draft}"))
               and not any("{batch}" in call[1] for call in calls)]


def _as_draft(call):
    method, template, body, expected = call
    for old, new in DRAFT_SWAP.items():
        template = template.replace(old, new)
    return method, template, body, {**expected, "rev_in": expected["rev_out"]}


def test_case_routes_cover_every_case_page():
    assert {"case_detail", "case_edit", "case_done", "case_print", "attachment_file", "review_case",
            "review_transition", "review_claim", "review_file", "api_case", "api_case_attachment",
            "api_case_transition"} <= set(CASE_ROUTES)


@pytest.mark.parametrize("route", CASE_ROUTES)
def test_drafts_are_never_shown_to_staff(route, make_web, world, objects, dbsession):
    failures = _run_route(route, [_as_draft(c) for c in MATRIX[route]], make_web, world, objects)
    assert not failures, "\n".join(failures)
    dbsession.expire_all()
    draft = dbsession.get(Case, objects["draft"])
    assert draft.state == "draft" and draft.submitted_at is None


# A submitted case claimed by the province's reviewer: everyone sees what they see on any submitted case,
# and nobody else's action moves it, on the page or through the API (claims are honoured on every path).
@pytest.mark.parametrize("route", [r for r in CASE_ROUTES if any("{submitted}" in c[1] for c in MATRIX[r])])
def test_a_claimed_case_is_moved_by_no_one_else(route, make_web, world, objects, dbsession):
    calls = [(m, t.replace("{submitted}", "{claimed}"), b, e) for m, t, b, e in MATRIX[route]]
    failures = _run_route(route, calls, make_web, world, objects)
    assert not failures, "\n".join(failures)
    dbsession.expire_all()
    claimed = dbsession.get(Case, objects["claimed"])
    assert (claimed.state, claimed.claimed_by) == ("submitted", world["province"].id)
    assert [e.trigger for e in dbsession.query(CaseEvent).filter_by(case_id=claimed.id)] == ["submit"]


# Asked without a session, so without a token (like POST /api/session): the 办件进度查询 JSON lookup changes
# nothing of the caller's, and what it answers is the caller's own (tests/webapp/test_progress.py).
CSRF_EXEMPT = {"api_progress", "api_publicity_objections"}
# No actor here has 拨付权限: tests/webapp/test_payment.py checks these routes' token as a finance reviewer.
FINANCE_ONLY = {"review_payments", "api_case_payment"}
UNSAFE = [(name, i) for name, calls in MATRIX.items() for i, call in enumerate(calls)
          if call[0] != "GET" and name not in CSRF_EXEMPT | FINANCE_ONLY]


@pytest.mark.parametrize("route,index", UNSAFE)
def test_state_changes_need_the_csrf_token(route, index, make_web, world, objects):
    """Every state-changing call, by someone allowed to make it, is refused without the token or with a wrong one."""
    method, template, body, expected = MATRIX[route][index]
    actor = next(a for a in ACTORS if expected[a] == OK and a != "anon") if any(
        expected[a] == OK and a != "anon" for a in ACTORS) else "anon"
    web = _client(make_web, world, actor)
    url = template.format(**objects)
    for headers, params in (({}, {}), ({"X-CSRF-Token": "forged"}, {"csrf_token": "forged"})):
        if method in ("PUT", "DELETE") or body == "json":
            res = getattr(web.app, f"{method.lower()}_json")(url, {}, headers=headers, status="*")
        elif body == "upload":
            res = web.app.post(url, upload_files=[("file", "x.pdf", f.PDF)], headers=headers, status="*")
        else:
            res = web.app.post(url, {**params, "action": "save"}, status="*")
        assert res.status_int == 400, f"{method} {url} as {actor} without a valid token: {res.status_int}"
        assert "页面已过期" in res.text
