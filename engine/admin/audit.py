"""The audit log: entries written for every change an administrator makes, read merged with logins
(written by engine.accounts), consents given with 我有意向 (engine.positions.intents) and transitions
(CaseEvents), filtered, paged and exported as a workbook.

Personal data (docs/privacy.md): an entry names an account by its login as staff see it (an individual's
ID number masked) and links it by id in `detail`; a failed login's typed name is kept only when it is an
account's. What is read back is masked again (engine.masking), so entries written before that are shown
the same way."""
from __future__ import annotations

import heapq
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, String, Text, cast, false, func, literal, null, or_, select

from engine import clock, masking
from engine.definitions.model import Catalogue
from engine.models import Account, AuditEntry, Case, CaseEvent
from engine.paging import Page, parse_page
from engine.regions import load_regions
from engine.roles import person_label, role_label
from engine.spreadsheet import neutralise

ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出",
    "account_create": "创建账号", "account_disable": "停用账号", "account_enable": "启用账号",
    "password_reset": "重置密码", "jurisdiction_change": "修改管辖范围",
    "finance_grant": "授予拨付权限", "finance_revoke": "取消拨付权限",
    "contact_change": "修改联系方式",
    "second_factor_enrol": "绑定两步验证", "second_factor_recovery": "使用恢复码登录",
    "second_factor_reset": "重置两步验证", "sessions_end": "退出登录设备",
    "intent_consent": "登记意向并同意提供个人信息",
    "delivery_resend": "重新发送通知",
    "calendar_set": "设置工作日历", "calendar_remove": "删除工作日历设置",
    "transition": "流程操作",
    "unit_relocate": "变更业务办理归属地",   # written by the locate_unit effect (engine/cases/lifecycle.py)
    # a unit's people (engine/accounts/agents.py)
    "agent_invite": "邀请经办人", "agent_invite_cancel": "撤销经办人邀请", "agent_remove": "移除经办人",
    "agent_join": "成为经办人",
}
AUDIT_KINDS = {"login": ("login", "login_failed", "logout", "second_factor_enrol", "second_factor_recovery",
                         "sessions_end"),
               "admin": ("account_create", "account_disable", "account_enable", "password_reset",
                         "jurisdiction_change", "finance_grant", "finance_revoke", "second_factor_reset", "delivery_resend", "calendar_set",
                         "calendar_remove"),
               "consent": ("intent_consent",), "contact": ("contact_change",),
               "agents": ("agent_invite", "agent_invite_cancel", "agent_remove", "agent_join")}
KIND_LABELS = {"login": "登录", "admin": "账号管理", "consent": "个人信息授权", "contact": "联系方式",
               "agents": "经办人", "transition": "流程"}
CONTACT_FIELDS = {"email": "电子邮箱", "mobile": "手机号"}
UNKNOWN_ACCOUNT = "（未注册的账号）"
AUDIT_PER_PAGE = 50
RECENT = 10   # the newest entries a summary shows (系统管理 home, an account's page)
AUDIT_COUNT_CAP = 10_000
EXPORT_MAX_ROWS = 100_000


def audit(session, actor: Account | None, action: str, target: str | None, detail: dict | None = None,
          remote_addr: str | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, target=target, detail=detail,
                       remote_addr=remote_addr)
    session.add(entry)
    return entry


@dataclass
class AuditFilter:
    kind: str = ""          # "", login, admin, consent, contact, transition
    actor: str = ""         # login name or name contains
    q: str = ""             # target (login name as shown, case reference) contains
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    # An account's page: entries by it or about it (older entries named it by its login in full).
    account_id: int | None = None
    account_login: str = ""

    @classmethod
    def from_params(cls, params) -> tuple["AuditFilter", dict[str, str]]:
        from engine import formats
        errors: dict[str, str] = {}
        out = cls()
        kind = (params.get("kind") or "").strip()
        out.kind = kind if kind in ("", *AUDIT_KINDS, "transition") else ""
        # Control characters (NUL breaks a PostgreSQL query) count for nothing.
        out.actor = formats.trim(formats.drop_control_chars(params.get("actor") or ""))
        out.q = formats.trim(formats.drop_control_chars(params.get("q") or ""))
        for name in ("date_from", "date_to"):
            raw = (params.get(name) or "").strip()
            if raw:
                parsed = formats.parse_date_text(raw)
                if parsed is None:
                    errors[name] = "日期格式应为2026-03-01"
                setattr(out, name, parsed)
        out.page = parse_page(params.get("page"))
        return out, errors

    def params(self, **over) -> dict:
        values = {"kind": self.kind, "actor": self.actor, "q": self.q,
                  "date_from": self.date_from.isoformat() if self.date_from else "",
                  "date_to": self.date_to.isoformat() if self.date_to else "", "page": self.page}
        values.update(over)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


@dataclass
class AuditRow:
    at: datetime
    kind: str
    action: str
    action_label: str
    actor_id: int | None
    actor_name: str
    actor_login: str
    target: str
    detail: str
    remote_addr: str


def _audit_selects(f: AuditFilter):
    """AuditEntry rows and CaseEvent rows with the same columns, each filtered on its own table (each is
    read newest first from its own `at` index and the two are merged, instead of sorting a UNION)."""
    entries = select(
        AuditEntry.at.label("at"), AuditEntry.id.label("id"), literal("audit").label("kind"),
        AuditEntry.action.label("action"), AuditEntry.actor_id.label("actor_id"), AuditEntry.target.label("target"),
        cast(null(), String(30)).label("from_state"), cast(null(), String(30)).label("to_state"),
        cast(null(), Text).label("comment"), cast(null(), String(40)).label("workflow_key"),
        AuditEntry.detail.label("detail"), AuditEntry.remote_addr.label("remote_addr"))
    events = select(
        CaseEvent.at.label("at"), CaseEvent.id.label("id"), literal("transition").label("kind"),
        CaseEvent.trigger.label("action"), CaseEvent.actor_id.label("actor_id"),
        func.coalesce(Case.reference, literal("#") + cast(Case.id, String)).label("target"),
        CaseEvent.from_state, CaseEvent.to_state, CaseEvent.comment, Case.workflow_key,
        cast(null(), JSON).label("detail"), cast(null(), String(64)).label("remote_addr"),
    ).join(Case, Case.id == CaseEvent.case_id)
    conds_e, conds_c = [], []
    if f.kind == "transition":
        conds_e.append(false())
    elif f.kind in AUDIT_KINDS:
        conds_e.append(AuditEntry.action.in_(AUDIT_KINDS[f.kind]))
        conds_c.append(false())
    start, end = clock.beijing_days(f.date_from, f.date_to)   # the days people mean are Beijing days
    if start is not None:
        conds_e.append(AuditEntry.at >= start)
        conds_c.append(CaseEvent.at >= start)
    if end is not None:
        conds_e.append(AuditEntry.at < end)
        conds_c.append(CaseEvent.at < end)
    if f.q:
        conds_e.append(AuditEntry.target.contains(f.q, autoescape=True))
        conds_c.append(Case.reference.contains(f.q, autoescape=True))
    if f.account_id is not None:
        conds_e.append(or_(AuditEntry.actor_id == f.account_id,
                           AuditEntry.detail["account"].as_integer() == f.account_id,
                           AuditEntry.target == f.account_login))
        conds_c.append(CaseEvent.actor_id == f.account_id)
    if f.actor:
        ids = select(Account.id).where(or_(Account.login_name.contains(f.actor, autoescape=True),
                                           Account.name.contains(f.actor, autoescape=True)))
        conds_e.append(AuditEntry.actor_id.in_(ids))
        conds_c.append(CaseEvent.actor_id.in_(ids))
    return ((entries.where(*conds_e), AuditEntry), (events.where(*conds_c), CaseEvent))


def _newest(session, f: AuditFilter, limit: int) -> list:
    """The `limit` newest rows of both sources, merged newest first."""
    parts = []
    for stmt, table in _audit_selects(f):
        parts.append(session.execute(stmt.order_by(table.at.desc(), table.id.desc()).limit(limit)).all())
    return list(heapq.merge(*parts, key=lambda r: (r.at, r.id), reverse=True))[:limit]


def _count(session, f: AuditFilter, cap: int) -> int:
    total = 0
    for stmt, _ in _audit_selects(f):
        total += session.scalar(select(func.count()).select_from(stmt.limit(cap + 1).subquery()))
    return total


def _describe(row, catalogue: Catalogue | None) -> tuple[str, str]:
    if row.kind == "transition":
        wf = catalogue.workflows.get(row.workflow_key) if catalogue else None
        t = next((x for x in wf.transitions if x.trigger == row.action), None) if wf else None
        label = t.label if t else row.action
        frm = wf.label(row.from_state) if wf and row.from_state else (row.from_state or "")
        to = wf.label(row.to_state) if wf else row.to_state
        detail = f"{frm} → {to}" if frm else to
        if row.comment:
            detail += f"；意见：{row.comment}"
        return f"流程操作：{label}", detail
    d = row.detail or {}
    parts = []
    if d.get("role"):
        parts.append(f"角色：{role_label(d['role'])}")
    regions = load_regions()
    if d.get("jurisdiction"):
        parts.append(f"管辖范围：{regions.label(d['jurisdiction']) or d['jurisdiction']}")
    if "from" in d or "to" in d:
        what = "业务办理归属地" if row.action == "unit_relocate" else "管辖范围"
        parts.append(f"{what}：{regions.label(d.get('from')) or '无'} → {regions.label(d.get('to')) or d.get('to')}")
    if "workday" in d:
        ruling = ("上班" if d["workday"] else "放假") + (f"（{d['note']}）" if d.get("note") else "")
        parts.append(("原为" if row.action == "calendar_remove" else "") + ruling
                     + (f"，共{len(d['days'])}天" if len(d.get("days") or ()) > 1 else ""))
    if d.get("fields"):
        parts.append("修改了" + "、".join(CONTACT_FIELDS.get(f, f) for f in d["fields"]))
    if d.get("via") == "console":
        parts.append("通过命令行")
    if d.get("via") == "unified":
        parts.append("通过政务服务网统一身份认证")
    if d.get("id_number"):
        parts.append(f"身份证号：{d['id_number']}")
    if d.get("consent_version"):
        parts.append(f"岗位编号：{d.get('position')}；同意的说明：第{d['consent_version']}版")
    if "left" in d:
        parts.append(f"剩余恢复码{d['left']}个")
    if d.get("sessions_ended"):
        parts.append(f"结束会话{d['sessions_ended']}个")
    return ACTION_LABELS.get(row.action, row.action), "；".join(parts)


def _kind(row) -> str:
    if row.kind == "transition":
        return "transition"
    return next((k for k, actions in AUDIT_KINDS.items() if row.action in actions), "admin")


def _accounts(session, raw) -> tuple[dict[int, Account], dict[str, Account]]:
    """The accounts the page's rows name: actors and linked accounts by id, and (entries written before
    links were kept) login entries' targets by login name."""
    ids, logins = set(), set()
    for r in raw:
        ids.update(x for x in (r.actor_id, (r.detail or {}).get("account")) if isinstance(x, int))
        if r.kind == "audit" and r.action in AUDIT_KINDS["login"] and r.target and not r.detail:
            logins.add(r.target)
    if not ids and not logins:
        return {}, {}
    found = session.scalars(select(Account).where(or_(Account.id.in_(ids), Account.login_name.in_(logins)))).all()
    return {a.id: a for a in found}, {a.login_name: a for a in found}


def _target(r, by_id: dict, by_login: dict) -> str:
    """The entry's object as shown: an account as staff see its login, a typed name no account has as
    UNKNOWN_ACCOUNT, anything else with ID-number-shaped text masked."""
    d = r.detail or {}
    linked = by_id.get(d.get("account")) if isinstance(d.get("account"), int) else None
    if linked is None and r.kind == "audit" and r.action in AUDIT_KINDS["login"] and not d:
        linked = by_login.get(r.target)
        if linked is None and r.target:
            return UNKNOWN_ACCOUNT
    if linked is not None:
        return masking.shown_login(linked.role, linked.login_name)
    if d.get("unknown_account"):
        return UNKNOWN_ACCOUNT
    return masking.redact_text(r.target)


def _rows(session, raw, catalogue) -> list[AuditRow]:
    by_id, by_login = _accounts(session, raw)
    out = []
    for r in raw:
        label, detail = _describe(r, catalogue)
        a = by_id.get(r.actor_id)
        out.append(AuditRow(at=r.at, kind=_kind(r), action=r.action, action_label=label,
            actor_id=r.actor_id, actor_name=person_label(a) if a else ("命令行" if r.kind == "audit" and
                                                              (r.detail or {}).get("via") == "console" else "—"),
            actor_login=masking.shown_login(a.role, a.login_name) if a else "",
            target=_target(r, by_id, by_login), detail=masking.redact_text(detail),
            remote_addr=r.remote_addr or ""))
    return out


def audit_log(session, catalogue: Catalogue, f: AuditFilter, per_page: int = AUDIT_PER_PAGE
              ) -> tuple[list[AuditRow], int, int]:
    """One page of the merged log, newest first: (rows, total, pages); totals above
    AUDIT_COUNT_CAP per source are not counted further."""
    page = Page(f.page, per_page, _count(session, f, AUDIT_COUNT_CAP)).within()
    f.page = page.number
    raw = _newest(session, f, page.offset + per_page)[page.offset:]
    return _rows(session, raw, catalogue), page.total, page.pages


def audit_xlsx(session, catalogue: Catalogue, f: AuditFilter) -> tuple[bytes, int, bool]:
    """The filtered log as a workbook: (bytes, rows written, truncated)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    raw = _newest(session, f, EXPORT_MAX_ROWS + 1)
    truncated = len(raw) > EXPORT_MAX_ROWS
    rows = _rows(session, raw[:EXPORT_MAX_ROWS], catalogue)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    for col, w in zip("ABCDEFGH", (20, 18, 16, 16, 26, 50, 16, 12)):
        ws.column_dimensions[col].width = w

    def cell(value, bold=False):
        c = WriteOnlyCell(ws, value=neutralise(value))
        if isinstance(value, str):
            c.data_type = "s"  # never a formula, whatever the text says
        if bold:
            c.font = Font(bold=True)
        return c

    ws.append([cell(h, bold=True) for h in ("时间（北京时间）", "操作", "操作人", "账号", "对象", "详情", "IP地址", "类别")])
    kinds = KIND_LABELS
    for r in rows:
        ws.append([cell(clock.format_beijing(r.at, "%Y-%m-%d %H:%M:%S")), cell(r.action_label),
                   cell(r.actor_name), cell(r.actor_login), cell(r.target), cell(r.detail), cell(r.remote_addr),
                   cell(kinds.get(r.kind, r.kind))])
    if truncated:
        ws.append([cell(f"仅导出最近{EXPORT_MAX_ROWS}条，请缩小日期范围后分批导出")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), len(rows), truncated
