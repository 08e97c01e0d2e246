"""docs/privacy.md, cell by cell: every personal field on every surface, as every kind of person, over HTTP.

The tables are read from the document; this file only knows how to reach each surface and which known
value stands for each field. A cell the code does not honour, a row for a surface nobody can drive, or a
drivable surface without its rows, each fails."""
from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import insert, select

from engine import roles
from engine.accounts.registration import register_individual
from engine.cases.lifecycle import start_change, transition
from engine.masking import browser_label, mask_bank_account, mask_id, mask_mobile, mask_name
from engine.models import AuditEntry, Case, Intent, LoginSession, RateLimit
from engine.positions.intents import CONSENT_TEXT, CONSENT_VERSION
from engine.rules import TransitionContext
from engine.spreadsheet import XLSX_CONTENT_TYPE
from engine.workflow import Actor, fire
from tests import factories as f
from tests.data import batch_rows
from tests.data import workbooks as wbs
from tests.webapp.pages import form_to

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
ROLES = ("visitor", "individual", "unit", "reviewer", "admin")
VERDICTS = ("full", "masked", "absent")

# The known values of the world below, and the mask each field is shown with.
PERSON = {"name": "欧阳明轩", "id_number": f.id_number("14010520010315021"), "mobile": "15912340001"}
PERSON_EMAIL = "ouyang.mingxuan@example.com"
LEGACY = {"name": "司马静", "id_number": f.id_number("14010720020620032"), "mobile": "15912340002"}
UNIT_APP = {"legal_rep": "慕容铁柱", "contact_mobile": "13566667777", "bank_account": "6222020200112233445"}
POST = {"contact_name": "欧阳红梅", "contact_mobile": "13644445555"}
OBJECTOR = "13912340003"                 # the contact left with an objection to a 公示
WRONG = "Wr0ng-Passw0rd-7731"            # typed as the password, and wrong
TYPED_SECRET = "Zq8!MySecretPass"        # a password typed into the login name field
# Where and with what the individual signs in (登录设备), and the session token its cookie holds (set by build).
ADDRESS = "203.0.113.45"
USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36 Jianxi-Privacy-Test/7")
TOKENS: list[str] = []
FIELDS = {
    "姓名（个人）": ([PERSON["name"]], mask_name),
    "身份证号（个人）": ([PERSON["id_number"]], mask_id),
    "手机号（个人）": ([PERSON["mobile"]], mask_mobile),
    "电子邮箱（个人）": ([PERSON_EMAIL], None),
    "身份证号（未经同意的旧意向）": ([LEGACY["id_number"]], mask_id),
    "法定代表人（单位申请）": ([UNIT_APP["legal_rep"]], None),
    "联系电话（单位申请）": ([UNIT_APP["contact_mobile"]], mask_mobile),
    "银行账号（单位申请）": ([UNIT_APP["bank_account"]], mask_bank_account),
    "联系人（岗位）": ([POST["contact_name"]], None),
    "联系电话（岗位）": ([POST["contact_mobile"]], mask_mobile),
    "密码": ([WRONG, f.PASSWORD], None),
    "误填入账号栏的密码": ([TYPED_SECRET], None),
    "登录地址（IP）": ([ADDRESS], None),
    "浏览器标识（User-Agent）": ([USER_AGENT], browser_label),
    "会话令牌": (TOKENS, None),
    "异议人联系方式": ([OBJECTOR], mask_mobile),
}


# ---- the document ------------------------------------------------------------------

def doc_table(marker: str) -> list[dict]:
    text = DOC.read_text(encoding="utf-8")
    body = re.search(rf"<!-- {marker} -->\n(.*?)\n<!-- /{marker} -->", text, re.S)
    assert body, f"docs/privacy.md has no <!-- {marker} --> table"
    lines = [ln.strip() for ln in body.group(1).splitlines() if ln.strip()]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = []
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        assert len(cells) == len(header), f"docs/privacy.md: a row with {len(cells)} cells: {ln}"
        rows.append(dict(zip(header, cells)))
    return rows


# ---- the world -----------------------------------------------------------------------

@dataclass
class World:
    clients: dict
    position_id: int
    app_case_id: int
    change_id: int
    match_case_id: int
    person_id: int
    intent_ids: list[int]
    errors_url: str
    bad_file: bytes
    claim_case_id: int = 0
    claim_reference: str = ""
    log: list = field(default_factory=list)
    followed: dict = field(default_factory=dict)   # 办件进度查询: a returned case's reference and its unit's code


def _upload(web, body: bytes, status):
    return web.post("/items/match_report/import", upload_files=[("file", "上报.xlsx", body)], status=status)


def build(make_web, dbsession, catalogue, storage, monkeypatch, caplog) -> World:
    caplog.set_level(logging.DEBUG)
    # As an operator debugging would: every statement, its parameters and the rows it returns.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    s = dbsession
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    province.finance = True   # 拨付权限: the reviewer of the 见习补贴拨付 rows
    county = f.reviewer(s, login="xiaodian", jurisdiction="140105", name="小店区审核员")
    city = f.reviewer(s, login="taiyuan", jurisdiction="140100", name="太原市审核员")
    f.admin(s)
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    app_case = f.submitted_unit_application(s, catalogue, storage, unit, **UNIT_APP,
                                            bank_account_confirm=UNIT_APP["bank_account"])
    transition(s, catalogue, app_case, "approve", province)
    position = f.published_position(s, catalogue, unit, province, **POST)
    # A change of the approved application, not yet sent: what its check page shows before 提交.
    change = start_change(s, catalogue, catalogue.item("unit_application"), unit)
    profile = {"education": "本科", "school": "山西大学", "major": "会计学"}
    person = register_individual(s, *PERSON.values(), f.PASSWORD, profile=profile, email=PERSON_EMAIL)
    legacy = register_individual(s, *LEGACY.values(), f.PASSWORD, profile=profile)
    s.execute(insert(Intent), [{"position_id": position.id, "account_id": legacy.id}])   # before consent was asked
    s.commit()

    clients = {role: make_web() for role in ROLES}
    clients["individual"].app.extra_environ.update(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=USER_AGENT)
    clients["individual"].login(person.login_name, tab="individual")
    TOKENS[:] = [clients["individual"].app.cookies["jianxi"]]
    clients["unit"].login(unit.login_name)
    clients["reviewer"].login("sheng", tab="staff")
    clients["admin"].login("admin", tab="staff")

    # 我有意向 through the button, whose page says what it consents to.
    page = clients["individual"].app.get(f"/positions/{position.id}")
    assert CONSENT_TEXT in page.text
    form = form_to(page, f"/positions/{position.id}/intent")
    assert form["consent"].value == CONSENT_VERSION
    assert "已登记意向" in form.submit().follow().text

    # The unit reports the match, then uploads a file with the person twice.
    item = catalogue.item("match_report")
    row = {**batch_rows.match_rows(1, [position.name])[0], **PERSON}
    done = _upload(clients["unit"], wbs.workbook(item, [row], [position.name]), 303)
    match_case_id = int(re.search(r"imported=(\d+)", done.location).group(1))
    bad_file = wbs.workbook(item, [row, row], [position.name])
    refused = _upload(clients["unit"], bad_file, 422)
    errors_url = refused.html.select_one("[data-testid=errors-download]")["href"]

    # Its first month reported, the unit claims the subsidy for it and submits (见习补贴申领).
    month = row["start_date"].strftime("%Y-%m")
    f.reported(s, catalogue, unit, "onduty_report", [f.onduty_row(PERSON["id_number"], month, name=PERSON["name"])])
    f.reported(s, catalogue, unit, "attendance_report",
               [f.attendance_row(PERSON["id_number"], month, name=PERSON["name"])])
    s.commit()
    claim = clients["unit"].api("post", "/api/items/subsidy_claim/subsidy-claims",
                                {"data": {"period_from": month, "period_to": month}}, status=201).json
    clients["unit"].api("post", f"/api/cases/{claim['id']}/transitions/submit", {"version": claim["version"]})
    # Both levels approve it: it is published (公示), and someone objects, leaving a phone number. The rows
    # need that objection pending and the claim 待拨付 at once (见习补贴拨付), which the workers' job would
    # not do (it waits for the decision), so the fixture ends the 公示 itself.
    claim_case = s.get(Case, claim["id"])
    s.refresh(claim_case)
    transition(s, catalogue, claim_case, "county_approve", county)
    transition(s, catalogue, claim_case, "city_approve", city)
    s.commit()
    clients["visitor"].app.post_json(f"/api/publicity/{claim_case.reference}/objections",
                                     {"text": "请核查该单位的见习人员", "contact": OBJECTOR}, status=201)
    s.refresh(claim_case)
    system = Actor(None, roles.SYSTEM)
    fire(claim_case, catalogue.workflows[claim_case.workflow_key], "end_publicity", system,
         TransitionContext(s, catalogue, system))
    s.commit()

    # Failed logins: a wrong password, through the page and the API, and a password typed as the name.
    make_web().login(person.login_name, WRONG, tab="individual")
    make_web().app.post_json("/api/session", {"kind": "individual", "login": person.login_name, "password": WRONG},
                             status=401)
    make_web().login(TYPED_SECRET, WRONG, tab="staff")

    # Errors whose text holds what was typed (a bug would do that): the log gets the line, not the values.
    import webapp.views.accounts as views

    def failing(*args, **kw):
        raise RuntimeError(f"cannot handle {args!r} {kw!r}")
    monkeypatch.setattr(views, "authenticate", failing)
    monkeypatch.setattr(views, "register_individual", failing)
    for tab, login in (("individual", person.login_name), ("staff", TYPED_SECRET)):
        web = make_web()
        form = web.app.get("/staff/login" if tab == "staff" else f"/login?tab={tab}").forms[0]
        form["login"], form["password"] = login, WRONG
        form.submit(status=500)
    web = make_web()
    form = web.app.get("/register/individual").forms[0]
    for k, v in {"name": PERSON["name"], "id_number": PERSON["id_number"], "mobile": PERSON["mobile"],
                 "password": WRONG, "password_confirm": WRONG}.items():
        form[k] = v
    form.submit(status=500)
    monkeypatch.undo()
    assert caplog.text.count("unhandled error on POST") == 3
    assert "SELECT" in caplog.text   # the statements were logged too

    # 办件进度查询: another unit's application, returned with a reason naming the person; lookups that type the
    # person's ID number where the code goes (a reference no case has) and where the reference goes, and a
    # password typed as the reference. The limits keep counts of what was typed, never of a code.
    returning = f.unit_account(s, name="太原汾河文旅有限公司", mobile="13712345670")
    returned = f.submitted_unit_application(s, catalogue, storage, returning, **UNIT_APP,
                                            bank_account_confirm=UNIT_APP["bank_account"])
    transition(s, catalogue, returned, "return_for_correction", province,
               comment=f"见习人员身份证号{PERSON['id_number']}与花名册不符，请核对")
    s.commit()
    followed = {"reference": returned.reference, "code": returning.unit.credit_code}
    for reference, code in ((returned.reference[:-6] + "999999", PERSON["id_number"]),
                            (PERSON["id_number"], PERSON["id_number"]), (TYPED_SECRET, WRONG)):
        web = make_web()
        web.post("/progress", {"reference": reference, "code": code})
        web.app.post_json("/api/progress", {"reference": reference, "code": code}, status="*")

    # Newest of all: one more failure naming the person (the 系统管理 home shows the newest entries).
    make_web().login(person.login_name, WRONG, tab="individual")
    intents = s.scalars(select(Intent.id).where(Intent.position_id == position.id).order_by(Intent.id)).all()
    return World(clients, position.id, app_case.id, change.id, match_case_id, person.id, list(intents), errors_url, bad_file,
                 claim["id"], claim_case.reference, followed=followed)


# ---- reaching each surface -----------------------------------------------------------------

def text_of(res) -> str:
    if res.content_type == XLSX_CONTENT_TYPE:
        wb = openpyxl.load_workbook(io.BytesIO(res.body))
        return "\n".join(" | ".join(str(c.value) for c in row if c.value is not None)
                         for ws in wb.worksheets for row in ws.iter_rows())
    text = res.body.decode("utf-8", "replace")
    # Judged without the header, which shows the signed-in person their own name (a row of its own).
    return re.sub(r'<header class="site-header">.*?</header>', "", text, flags=re.S)


def get(url):
    return lambda w, web: text_of(web.app.get(url.format(w=w), status="*"))


def post(url, params=(), files=None):
    def call(w, web):
        token = web.csrf()
        res = web.app.post(url.format(w=w), [*params(w), ("csrf_token", token)] if callable(params) else
                           [*params, ("csrf_token", token)], upload_files=files(w) if files else None, status="*")
        return text_of(res)
    return call


def header(w, web):
    page = web.app.get("/", status="*").text
    found = re.search(r'<header class="site-header">.*?</header>', page, re.S)
    return found.group(0) if found else ""


def api_progress(w, web):
    return web.app.post_json("/api/progress", w.followed, status="*").body.decode("utf-8")


def api_import(w, web):
    res = web.app.post("/api/items/match_report/imports", upload_files=[("file", "上报.xlsx", w.bad_file)],
                       headers={"X-CSRF-Token": web.csrf()}, status="*")
    return res.body.decode("utf-8")


INDIVIDUAL = {"姓名（个人）", "身份证号（个人）", "手机号（个人）"}
OWN_ACCOUNT = {*INDIVIDUAL, "电子邮箱（个人）"}
UNIT_DATA = {"法定代表人（单位申请）", "联系电话（单位申请）", "银行账号（单位申请）"}
PUBLIC = {"联系人（岗位）", "联系电话（岗位）", *UNIT_DATA}
AUDIT = {"姓名（个人）", "身份证号（个人）", "密码", "误填入账号栏的密码"}
SESSION_FIELDS = {"登录地址（IP）", "浏览器标识（User-Agent）", "会话令牌"}
# surface (as the table names it) -> (how to reach it, the fields its rows must cover)
SURFACES = {
    "页头 `GET /`": (header, {"姓名（个人）"}),
    "账号信息 `GET /me/account`": (get("/me/account"), OWN_ACCOUNT),
    "账号信息 JSON `GET /api/account`": (get("/api/account"), OWN_ACCOUNT),
    "岗位详情页 `GET /positions/{id}`": (get("/positions/{w.position_id}"), PUBLIC),
    "岗位详情 JSON `GET /api/positions/{id}`": (get("/api/positions/{w.position_id}"), PUBLIC),
    "意向人员页 `GET /unit/positions/{id}`": (get("/unit/positions/{w.position_id}"),
                                         {*INDIVIDUAL, "身份证号（未经同意的旧意向）"}),
    "意向人员 JSON `GET /api/positions/{id}/intents`": (get("/api/positions/{w.position_id}/intents"), INDIVIDUAL),
    "意向人员导出 `GET /unit/positions/{id}/intents.xlsx`": (get("/unit/positions/{w.position_id}/intents.xlsx"),
                                                      INDIVIDUAL),
    "见习匹配结果模板 `POST /unit/positions/{id}/match-template.xlsx`": (
        post("/unit/positions/{w.position_id}/match-template.xlsx", lambda w: [("intent", i) for i in w.intent_ids]),
        {*INDIVIDUAL, "身份证号（未经同意的旧意向）"}),
    "导入明细（见习匹配结果）`GET /cases/{id}/rows`": (get("/cases/{w.match_case_id}/rows"), INDIVIDUAL),
    "审核页（见习匹配结果）`GET /review/cases/{id}`": (get("/review/cases/{w.match_case_id}"), INDIVIDUAL),
    "原始上报文件 `GET /cases/{id}/import.xlsx`": (get("/cases/{w.match_case_id}/import.xlsx"), INDIVIDUAL),
    "上报文件（公式已转为文本）`GET /cases/{id}/import-text.xlsx`": (get("/cases/{w.match_case_id}/import-text.xlsx"),
                                                              INDIVIDUAL),
    "导入错误列表 `POST /items/match_report/import`": (
        post("/items/match_report/import", files=lambda w: [("file", "上报.xlsx", w.bad_file)]),
        {"身份证号（个人）"}),
    "导入错误 JSON `POST /api/items/match_report/imports`": (api_import, {"身份证号（个人）"}),
    "错误标注工作簿 `GET /imports/{token}/errors.xlsx`": (get("{w.errors_url}"), INDIVIDUAL),
    "补贴明细页 `GET /cases/{id}/subsidy`": (get("/cases/{w.claim_case_id}/subsidy"), INDIVIDUAL),
    "补贴明细 JSON `GET /api/cases/{id}/subsidy`": (get("/api/cases/{w.claim_case_id}/subsidy"), INDIVIDUAL),
    "审核页（见习补贴申领）`GET /review/cases/{id}`": (get("/review/cases/{w.claim_case_id}"), INDIVIDUAL),
    "见习补贴公示页 `GET /gongshi/{reference}`": (get("/gongshi/{w.claim_reference}"), INDIVIDUAL),
    "见习补贴公示 JSON `GET /api/publicity/{reference}`": (get("/api/publicity/{w.claim_reference}"), INDIVIDUAL),
    "公示异议 `GET /review/objections`": (get("/review/objections"), {"异议人联系方式"}),
    "公示异议 JSON `GET /api/review/objections`": (get("/api/review/objections"), {"异议人联系方式"}),
    "申请详情页 `GET /cases/{id}`": (get("/cases/{w.app_case_id}"), UNIT_DATA),
    "申请打印页 `GET /cases/{id}/print`": (get("/cases/{w.app_case_id}/print"), UNIT_DATA),
    "申请 JSON `GET /api/cases/{id}`": (get("/api/cases/{w.app_case_id}"), UNIT_DATA),
    "核对申请内容 `GET /cases/{id}/check`": (get("/cases/{w.change_id}/check"), UNIT_DATA),
    "核对申请内容 JSON `GET /api/cases/{id}/check`": (get("/api/cases/{w.change_id}/check"), UNIT_DATA),
    "审核页（单位申请）`GET /review/cases/{id}`": (get("/review/cases/{w.app_case_id}"), UNIT_DATA),
    "见习补贴拨付 `GET /review/payments`": (get("/review/payments"), {"银行账号（单位申请）"}),
    "拨付 JSON `GET /api/review/payments`": (get("/api/review/payments"), {"银行账号（单位申请）"}),
    "拨付清单 `GET /review/payments.xlsx`": (get("/review/payments.xlsx"), {"银行账号（单位申请）"}),
    "拨付清单 API `GET /api/review/payments.xlsx`": (get("/api/review/payments.xlsx"), {"银行账号（单位申请）"}),
    "账号管理 `GET /admin/accounts`": (get("/admin/accounts"), INDIVIDUAL),
    "账号页 `GET /admin/accounts/{id}`": (get("/admin/accounts/{w.person_id}"), INDIVIDUAL),
    "系统管理首页 `GET /admin`": (get("/admin"), {"身份证号（个人）"}),
    "审计日志 `GET /admin/audit`": (get("/admin/audit"), AUDIT),
    "审计日志导出 `GET /admin/audit.xlsx`": (get("/admin/audit.xlsx"), AUDIT),
    "办件进度查询 `POST /progress`": (
        post("/progress", lambda w: list(w.followed.items())), {"身份证号（个人）", *UNIT_DATA}),
    "办件进度 JSON `POST /api/progress`": (api_progress, {"身份证号（个人）", *UNIT_DATA}),
    "登录失败后的登录页 `POST /login`": (
        post("/login?tab=individual", [("login", PERSON["id_number"]), ("password", WRONG)]), {"密码"}),
    "登录设备 `GET /me/sessions`": (get("/me/sessions"), SESSION_FIELDS),
    "登录设备 JSON `GET /api/sessions`": (get("/api/sessions"), SESSION_FIELDS),
}


def seen(text: str, name: str) -> str:
    values, mask = FIELDS[name]
    if any(v in text for v in values):
        return "full"
    if mask is not None and any(mask(v) in text for v in values):
        return "masked"
    return "absent"


def check_cells(rows, columns, reach) -> list[str]:
    problems = []
    for row in rows:
        name = row["field"]
        if name not in FIELDS:
            problems.append(f"unknown field {name!r}")
            continue
        for column in columns:
            said = row[column]
            if said not in VERDICTS or (said == "masked" and FIELDS[name][1] is None):
                problems.append(f"{name} / {row.get('surface') or row.get('store')} / {column}: {said!r} is not a verdict")
                continue
            got = seen(reach(row, column), name)
            if got != said:
                problems.append(f"{name} / {row.get('surface') or row.get('store')} / {column}: "
                                f"docs/privacy.md says {said}, the service gives {got}")
    return problems


def test_every_surface_shows_each_personal_field_as_the_table_says(make_web, dbsession, catalogue, storage,
                                                                   monkeypatch, caplog):
    rows = doc_table("privacy-table")
    covered = {(r["field"], r["surface"]) for r in rows}
    assert len(covered) == len(rows), "docs/privacy.md lists a field on a surface twice"
    unknown = {s for _, s in covered} - set(SURFACES)
    assert not unknown, f"rows for surfaces the test cannot reach: {sorted(unknown)}"
    wanted = {(name, surface) for surface, (_, names) in SURFACES.items() for name in names}
    assert covered == wanted, (f"missing rows: {sorted(wanted - covered)}; rows without a known value: "
                               f"{sorted(covered - wanted)}")
    w = build(make_web, dbsession, catalogue, storage, monkeypatch, caplog)
    pages: dict = {}

    def reach(row, role):
        key = (row["surface"], role)
        if key not in pages:
            pages[key] = SURFACES[row["surface"]][0](w, w.clients[role])
        return pages[key]

    problems = check_cells(rows, ROLES, reach)
    assert not problems, "\n".join(problems)


def test_what_the_service_writes_down_about_people_is_as_the_table_says(make_web, dbsession, catalogue, storage,
                                                                        monkeypatch, caplog):
    rows = doc_table("privacy-stores")
    stores = {
        "审计日志表 `audit_log`": lambda: "\n".join(
            f"{t} {json.dumps(d, ensure_ascii=False)}" for t, d in dbsession.execute(
                select(AuditEntry.target, AuditEntry.detail))),
        "限流计数表 `rate_limits`": lambda: "\n".join(dbsession.scalars(select(RateLimit.bucket))),
        "服务器日志": lambda: caplog.text,
        "登录会话表 `sessions`": lambda: "\n".join(
            " ".join(str(v) for v in row) for row in dbsession.execute(select(*LoginSession.__table__.columns))),
    }
    wanted = {(name, store) for store in stores for name in ("身份证号（个人）", "密码", "误填入账号栏的密码")
              if not (store == "限流计数表 `rate_limits`" and name == "密码") and store != "登录会话表 `sessions`"}
    wanted |= {("会话令牌", store) for store in ("登录会话表 `sessions`", "审计日志表 `audit_log`", "服务器日志")}
    wanted |= {(name, "登录会话表 `sessions`") for name in ("登录地址（IP）", "浏览器标识（User-Agent）")}
    assert {(r["field"], r["store"]) for r in rows} == wanted
    build(make_web, dbsession, catalogue, storage, monkeypatch, caplog)
    dbsession.rollback()
    problems = check_cells(rows, ("kept as",), lambda row, _: stores[row["store"]]())
    assert not problems, "\n".join(problems)
