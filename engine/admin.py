"""Administration: staff accounts, the item catalogue with its workflows drawn, and the audit log.

Every change an administrator makes is written to the audit log (AuditEntry); logins are written by
engine.accounts and transitions are CaseEvents, and the audit log shows all three together.
"""
from __future__ import annotations

import heapq
import io
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape

from sqlalchemy import JSON, String, Text, cast, false, func, literal, null, or_, select

from engine import clock
from engine.accounts import AccountError, _check_password, create_staff, hash_password
from engine.definitions import Catalogue, ItemDefinition, WorkflowDefinition
from engine.models import Account, AuditEntry, Case, CaseEvent, DefinitionSnapshot
from engine.paging import Page, parse_page
from engine.regions import load_regions
from engine.roles import role_label
from engine.spreadsheet import neutralise
from engine.validation import FieldError

LOGIN_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级"}
ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出",
    "account_create": "创建账号", "account_disable": "停用账号", "account_enable": "启用账号",
    "password_reset": "重置密码", "jurisdiction_change": "修改管辖范围",
    "transition": "流程操作",
}
AUDIT_KINDS = {"login": ("login", "login_failed", "logout"),
               "admin": ("account_create", "account_disable", "account_enable", "password_reset",
                         "jurisdiction_change")}
AUDIT_PER_PAGE = 50
AUDIT_COUNT_CAP = 10_000
EXPORT_MAX_ROWS = 100_000


class AdminError(AccountError):
    """Problems with what an administrator typed, each by its field."""


def audit(session, actor: Account | None, action: str, target: str | None, detail: dict | None = None,
          remote_addr: str | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, target=target, detail=detail,
                       remote_addr=remote_addr)
    session.add(entry)
    return entry


# ---- accounts ------------------------------------------------------------------

def jurisdiction_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(city code, city name, [(county code, county name)]) for a select with one optgroup per city."""
    regions = load_regions()
    return [(c.code, c.name, [(k.code, k.name) for k in regions.counties(c.code)]) for c in regions.cities()]


def _check_jurisdiction(code: str, errors: list[FieldError]) -> str:
    code = (code or "").strip()
    regions = load_regions()
    if not code:
        errors.append(FieldError("/jurisdiction", "请选择管辖范围"))
    elif regions.get(code) is None:
        errors.append(FieldError("/jurisdiction", "管辖范围须为山西省、一个地市或一个县（市、区）"))
    return code


def _check_login(session, login_name: str, errors: list[FieldError]) -> str:
    login_name = (login_name or "").strip().lower()
    if not login_name:
        errors.append(FieldError("/login_name", "请填写用户名"))
    elif not LOGIN_RE.match(login_name):
        errors.append(FieldError("/login_name", "用户名为3至32位小写字母、数字或 _ . -，以字母开头"))
    elif session.scalar(select(Account.id).where(Account.login_name == login_name)):
        errors.append(FieldError("/login_name", "该用户名已被使用"))
    return login_name


def _check_name(name: str, errors: list[FieldError]) -> str:
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("/name", "请填写姓名"))
    elif len(name) > 64:
        errors.append(FieldError("/name", "姓名不能超过64个字"))
    return name


def create_reviewer(session, actor: Account | None, login_name: str, name: str, jurisdiction: str,
                    password: str, password_confirm: str | None = None, remote_addr: str | None = None) -> Account:
    errors: list[FieldError] = []
    login_name = _check_login(session, login_name, errors)
    name = _check_name(name, errors)
    jurisdiction = _check_jurisdiction(jurisdiction, errors)
    _check_password(password or "", password_confirm, errors)
    if errors:
        raise AdminError(errors)
    account = create_staff(session, login_name, name, "reviewer", password, jurisdiction=jurisdiction)
    audit(session, actor, "account_create", login_name,
          {"role": "reviewer", "jurisdiction": jurisdiction, "via": "console" if actor is None else "web"},
          remote_addr)
    return account


def create_admin(session, login_name: str, name: str, password: str, password_confirm: str | None = None,
                 actor: Account | None = None, remote_addr: str | None = None) -> Account:
    errors: list[FieldError] = []
    login_name = _check_login(session, login_name, errors)
    name = _check_name(name, errors)
    _check_password(password or "", password_confirm, errors)
    if errors:
        raise AdminError(errors)
    account = create_staff(session, login_name, name, "admin", password)
    audit(session, actor, "account_create", login_name,
          {"role": "admin", "via": "console" if actor is None else "web"}, remote_addr)
    return account


def set_active(session, actor: Account, account: Account, active: bool, remote_addr: str | None = None) -> None:
    if account.id == actor.id and not active:
        raise AdminError([FieldError("", "不能停用自己的账号")])
    if account.active == active:
        return
    account.active = active
    audit(session, actor, "account_enable" if active else "account_disable", account.login_name,
          {"role": account.role}, remote_addr)


def reset_password(session, actor: Account, account: Account, password: str, password_confirm: str | None,
                   remote_addr: str | None = None) -> None:
    errors: list[FieldError] = []
    _check_password(password or "", password_confirm, errors)
    if errors:
        raise AdminError(errors)
    account.password_hash = hash_password(password)
    # The password itself is never logged, only that it was reset and by whom.
    audit(session, actor, "password_reset", account.login_name, {"role": account.role}, remote_addr)


def change_jurisdiction(session, actor: Account, account: Account, jurisdiction: str,
                        remote_addr: str | None = None) -> None:
    errors: list[FieldError] = []
    if account.role != "reviewer":
        errors.append(FieldError("/jurisdiction", "只有审核人员有管辖范围"))
    jurisdiction = _check_jurisdiction(jurisdiction, errors)
    if errors:
        raise AdminError(errors)
    if account.jurisdiction == jurisdiction:
        return
    before, account.jurisdiction = account.jurisdiction, jurisdiction
    audit(session, actor, "jurisdiction_change", account.login_name, {"from": before, "to": jurisdiction},
          remote_addr)


ACCOUNTS_PER_PAGE = 50


def list_accounts(session, role: str | None = None, q: str | None = None, page: int = 1,
                  per_page: int = ACCOUNTS_PER_PAGE) -> tuple[list[Account], int]:
    conds = []
    if role:
        conds.append(Account.role == role)
    if q:
        conds.append(or_(Account.login_name.contains(q, autoescape=True), Account.name.contains(q, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(Account).where(*conds))
    rows = session.scalars(select(Account).where(*conds).order_by(Account.role.desc(), Account.id)
                           .limit(per_page).offset(Page(parse_page(page), per_page, total).offset)).all()
    return list(rows), total


def account_counts(session) -> dict[str, int]:
    return dict(session.execute(select(Account.role, func.count()).group_by(Account.role)).all())


# ---- the catalogue ---------------------------------------------------------------

@dataclass
class ItemInfo:
    item: ItemDefinition
    workflow: WorkflowDefinition
    counts: list[tuple[str, str, int]]       # (state, label, n) in workflow order
    total: int
    versions: list[tuple[int, int]] = field(default_factory=list)   # (definition version, cases)


def _counts(session, keys: list[str] | None = None) -> dict[str, dict[str, int]]:
    stmt = select(Case.item_key, Case.state, func.count()).group_by(Case.item_key, Case.state)
    if keys:
        stmt = stmt.where(Case.item_key.in_(keys))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for key, state, n in session.execute(stmt):
        out[key][state] = n
    return out


def _info(item: ItemDefinition, catalogue: Catalogue, by_state: dict[str, int]) -> ItemInfo:
    wf = catalogue.workflow_for(item)
    counts = [(s, wf.label(s), by_state.get(s, 0)) for s in wf.state_names]
    counts += [(s, s, n) for s, n in by_state.items() if s not in wf.state_names]
    return ItemInfo(item, wf, counts, sum(by_state.values()))


def catalogue_overview(session, catalogue: Catalogue) -> list[ItemInfo]:
    counts = _counts(session)
    return [_info(item, catalogue, counts.get(item.key, {})) for item in catalogue.items.values()]


def item_info(session, catalogue: Catalogue, key: str) -> ItemInfo | None:
    item = catalogue.item(key)
    if item is None:
        return None
    info = _info(item, catalogue, _counts(session, [key]).get(key, {}))
    by_version = dict(session.execute(select(Case.definition_version, func.count()).where(
        Case.item_key == key).group_by(Case.definition_version)).all())
    snapshots = session.scalars(select(DefinitionSnapshot.version).where(DefinitionSnapshot.item_key == key)).all()
    versions = sorted(set(by_version) | set(snapshots) | {item.version}, reverse=True)
    info.versions = [(v, by_version.get(v, 0)) for v in versions]
    return info


# ---- the workflow as a picture ------------------------------------------------------

def _text_width(text: str, size: float = 13) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def transition_caption(t) -> str:
    who = "、".join(role_label(r) for r in t.roles)
    if t.reviewer_levels:
        who += "（" + "、".join(LEVEL_LABELS.get(lv, lv) for lv in t.reviewer_levels) + "）"
    extra = "，须填意见" if t.comment == "required" else ""
    return f"{t.label}：{who}{extra}"


def workflow_svg(wf: WorkflowDefinition) -> str:
    """The workflow as an SVG state diagram, laid out in columns by distance from the initial state.
    Presentation attributes only (no style attributes), so the page's CSP needs no exception."""
    names = wf.state_names
    layer: dict[str, int] = {wf.initial: 0}
    queue = deque([wf.initial])
    while queue:
        s = queue.popleft()
        for t in wf.transitions_from(s):
            if t.dest not in layer:
                layer[t.dest] = layer[s] + 1
                queue.append(t.dest)
    last = max(layer.values()) if layer else 0
    for s in names:
        layer.setdefault(s, last + 1)
    columns: dict[int, list[str]] = defaultdict(list)
    for s in names:
        columns[layer[s]].append(s)

    node_h, row_gap, margin = 44, 96, 24
    widths = {s: max(96.0, _text_width(wf.label(s), 15) + 32) for s in names}
    # Edges between the same pair of states share one arrow and one label.
    edges: dict[tuple[str, str], list] = defaultdict(list)
    for t in wf.transitions:
        for src in t.sources:
            edges[(src, t.dest)].append(t)
    captions = {k: " / ".join(dict.fromkeys(transition_caption(t) for t in ts)) for k, ts in edges.items()}
    widest_caption = max((_text_width(c, 12) for (a, b), c in captions.items() if layer[b] > layer[a]),
                         default=120.0)
    col_w = max(widths.values()) + max(160.0, min(widest_caption + 40, 320.0))
    rows = max(len(v) for v in columns.values())
    height_nodes = margin * 2 + (rows - 1) * row_gap + node_h
    pos: dict[str, tuple[float, float]] = {}
    for col, states in columns.items():
        offset = (rows - len(states)) * row_gap / 2
        for i, s in enumerate(states):
            pos[s] = (margin + col * col_w, margin + offset + i * row_gap)

    parts: list[str] = []
    back_edges = [k for k in edges if layer[k[1]] <= layer[k[0]]]
    bottom = height_nodes + 24 * (len(back_edges) + 1) + 20
    width = margin * 2 + (max(columns) * col_w) + max(widths.values())

    def box(s):
        x, y = pos[s]
        return x, y, widths[s], node_h

    for n, (a, b) in enumerate(sorted(edges, key=lambda k: (layer[k[0]], names.index(k[0]), names.index(k[1])))):
        caption = captions[(a, b)]
        ax, ay, aw, ah = box(a)
        bx, by, bw, bh = box(b)
        if layer[b] > layer[a]:
            x1, y1 = ax + aw, ay + ah / 2
            x2, y2 = bx, by + bh / 2
            path = f"M{x1:.0f},{y1:.0f} L{x2 - 4:.0f},{y2:.0f}"
            lx, ly = x1 + (x2 - x1) * 0.5, y1 + (y2 - y1) * 0.5 - 8
        else:
            k = back_edges.index((a, b)) + 1
            x1, y1 = ax + aw / 2, ay + ah
            x2, y2 = bx + bw / 2 + (8 if a != b else 24), by + bh
            depth = height_nodes - margin + 24 * k
            path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{depth:.0f} {x2:.0f},{depth:.0f} {x2:.0f},{y2 + 4:.0f}"
            lx, ly = (x1 + x2) / 2, depth - 6
        tw = _text_width(caption, 12)
        parts.append(f'<g class="edge" data-from="{escape(a)}" data-to="{escape(b)}">'
                     f'<path d="{path}" fill="none" stroke="#52606d" stroke-width="1.5" marker-end="url(#arrow)"/>'
                     f'<rect x="{lx - tw / 2 - 4:.0f}" y="{ly - 13:.0f}" width="{tw + 8:.0f}" height="18" rx="3" '
                     f'fill="#ffffff" fill-opacity="0.92"/>'
                     f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="middle" font-size="12" fill="#1f2933">'
                     f'{escape(caption)}</text></g>')
    for s in names:
        x, y, w, h = box(s)
        st = wf.state(s)
        fill = "#fff4e0" if st.get("queue") else ("#e6f4ea" if st.get("final") else "#e8f0fa")
        stroke = "#0b4a8b"
        extra = ""
        if s == wf.initial:
            extra = (f'<circle cx="{x - 14:.0f}" cy="{y + h / 2:.0f}" r="6" fill="#0b4a8b"/>'
                     f'<path d="M{x - 8:.0f},{y + h / 2:.0f} L{x - 2:.0f},{y + h / 2:.0f}" stroke="#0b4a8b" '
                     f'stroke-width="1.5" marker-end="url(#arrow)"/>')
        border = (f'<rect x="{x + 3:.0f}" y="{y + 3:.0f}" width="{w - 6:.0f}" height="{h - 6:.0f}" rx="6" '
                  f'fill="none" stroke="{stroke}" stroke-width="1"/>') if st.get("final") else ""
        dash = ' stroke-dasharray="5 3"' if st.get("editable") else ""
        parts.append(f'<g class="state" data-state="{escape(s)}">{extra}'
                     f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h}" rx="8" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="2"{dash}/>{border}'
                     f'<text x="{x + w / 2:.0f}" y="{y + h / 2 + 5:.0f}" text-anchor="middle" font-size="15" '
                     f'font-weight="bold" fill="#083a6e">{escape(wf.label(s))}</text></g>')
    legend_y = bottom - 6
    legend = (f'<g class="legend" font-size="12" fill="#52606d">'
              f'<rect x="{margin}" y="{legend_y - 11}" width="14" height="14" fill="#fff4e0" stroke="#0b4a8b"/>'
              f'<text x="{margin + 20}" y="{legend_y}">待审核（进入审核队列）</text>'
              f'<rect x="{margin + 170}" y="{legend_y - 11}" width="14" height="14" fill="#e6f4ea" stroke="#0b4a8b"/>'
              f'<text x="{margin + 190}" y="{legend_y}">终态</text>'
              f'<rect x="{margin + 240}" y="{legend_y - 11}" width="14" height="14" fill="#e8f0fa" stroke="#0b4a8b" '
              f'stroke-dasharray="4 2"/><text x="{margin + 260}" y="{legend_y}">单位可修改</text></g>')
    title = escape(f"{wf.title}流程图")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="wf-title-{escape(wf.key)}" '
            f'width="{width:.0f}" height="{bottom + 12:.0f}" viewBox="0 0 {width:.0f} {bottom + 12:.0f}" '
            f'font-family="WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif">'
            f'<title id="wf-title-{escape(wf.key)}">{title}</title>'
            f'<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>'
            + "".join(parts) + legend + "</svg>")


# ---- the audit log ---------------------------------------------------------------

@dataclass
class AuditFilter:
    kind: str = ""          # "", login, admin, transition
    actor: str = ""         # login name or name contains
    q: str = ""             # target (login name, case reference) contains
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def from_params(cls, params) -> tuple["AuditFilter", dict[str, str]]:
        from engine import formats
        errors: dict[str, str] = {}
        out = cls()
        kind = (params.get("kind") or "").strip()
        out.kind = kind if kind in ("", "login", "admin", "transition") else ""
        out.actor = (params.get("actor") or "").strip()
        out.q = (params.get("q") or "").strip()
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
        parts.append(f"管辖范围：{regions.label(d.get('from')) or '无'} → {regions.label(d.get('to')) or d.get('to')}")
    if d.get("via") == "console":
        parts.append("通过命令行")
    return ACTION_LABELS.get(row.action, row.action), "；".join(parts)


def _rows(session, raw, catalogue) -> list[AuditRow]:
    ids = {r.actor_id for r in raw if r.actor_id}
    actors = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}
    out = []
    for r in raw:
        label, detail = _describe(r, catalogue)
        a = actors.get(r.actor_id)
        out.append(AuditRow(at=r.at, kind="transition" if r.kind == "transition" else (
            "login" if r.action in AUDIT_KINDS["login"] else "admin"), action=r.action, action_label=label,
            actor_id=r.actor_id, actor_name=a.name if a else ("命令行" if r.kind == "audit" and
                                                              (r.detail or {}).get("via") == "console" else "—"),
            actor_login=a.login_name if a else "", target=r.target or "", detail=detail,
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
    kinds = {"login": "登录", "admin": "账号管理", "transition": "流程"}
    for r in rows:
        ws.append([cell(clock.format_beijing(r.at, "%Y-%m-%d %H:%M:%S")), cell(r.action_label),
                   cell(r.actor_name), cell(r.actor_login), cell(r.target), cell(r.detail), cell(r.remote_addr),
                   cell(kinds.get(r.kind, r.kind))])
    if truncated:
        ws.append([cell(f"仅导出最近{EXPORT_MAX_ROWS}条，请缩小日期范围后分批导出")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), len(rows), truncated


__all__ = ["AdminError", "audit", "create_reviewer", "create_admin", "set_active", "reset_password",
           "change_jurisdiction", "list_accounts", "catalogue_overview", "item_info", "workflow_svg",
           "AuditFilter", "audit_log", "audit_xlsx"]
