"""见习补贴拨付: the claims 待拨付 of a finance reviewer's jurisdiction (engine.access.payable_clause), their
payment workbook, and marking them 已拨付 with the payment date and a voucher number.

Which state is 待拨付 and which transition pays is the workflow's word: the transition declared
`"form": "payment"` (its source states are payable, its destination is paid). The bank account comes from
the unit's approved application, by the claim item's `claim.payee` (engine/declarations.py): the item whose
case in force holds it, and its fields. Marking fires that transition through engine.cases.lifecycle, whose
effect `lock_claim_lines` locks the claim's counted lines: from then on no recomputation and no re-imported
report (engine/batch/paid.py) changes them.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update

from engine import access, clock, declarations, formats, masking
from engine.cases import standing
from engine.cases.lifecycle import transition
from engine.definitions.model import Catalogue, ItemDefinition, WorkflowDefinition
from engine.errors import AccessDenied, TransitionNotAllowed
from engine.models import Account, Case, CaseEvent, ClaimLine, SubsidyClaim, Unit
from engine.paging import Page, parse_page
from engine.regions import load_regions
from engine.rules import effect
from engine.spreadsheet import neutralise
from engine.subsidy.claims import claim_of
from engine.subsidy.compute import yuan
from engine.validation import FieldError, ValidationFailed

FORM = "payment"
PER_PAGE = 50
EXPORT_MAX_ROWS = 100_000
VOUCHER = re.compile(r"^[A-Za-z0-9-]{1,40}$")
HEADERS = ("申领编号", "单位名称", "账户名称", "开户银行", "银行账号", "拨付金额（元）", "见习人月数", "所在地区")


# ---- what the workflow says -------------------------------------------------------------------------------

def pay_transition(wf: WorkflowDefinition):
    """The workflow's transition fired from the payment form, or None."""
    return next((t for t in wf.transitions if t.form == FORM), None)


def claim_items(catalogue: Catalogue) -> list[ItemDefinition]:
    """The claim items whose workflow can be paid."""
    return [i for i in catalogue.items.values()
            if i.kind == "claim" and pay_transition(catalogue.workflow_for(i)) is not None]


def _payable_where(catalogue: Catalogue):
    """(item key, payable state) pairs as one SQL condition on cases."""
    from sqlalchemy import false, or_
    parts = []
    for item in claim_items(catalogue):
        t = pay_transition(catalogue.workflow_for(item))
        parts.append((Case.item_key == item.key) & Case.state.in_(list(t.sources)))
    return or_(*parts) if parts else false()


# ---- the bank account -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Payee:
    account_name: str
    bank_name: str
    bank_account: str

    @property
    def masked_account(self) -> str:
        """Only the last four digits, as the page shows it."""
        return masking.mask_bank_account(self.bank_account)


NO_PAYEE = Payee("", "", "")


def payees(session, catalogue: Catalogue, item: ItemDefinition, unit_ids) -> dict[int, Payee]:
    """unit id -> its bank account from its approved application (the case in force), in one query."""
    payee = declarations.claim_payee(item)
    unit_ids = sorted(set(unit_ids))
    if not payee or not unit_ids:
        return {}
    source = catalogue.item(payee["item"])
    state = declarations.change_state(source) or "approved"
    out: dict[int, Payee] = {}
    for chunk in range(0, len(unit_ids), 900):
        rows = session.execute(
            select(Case.unit_id, Case.data).join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(Case.item_key == source.key, Case.state == state, CaseEvent.to_state == state,
                   Case.unit_id.in_(unit_ids[chunk:chunk + 900]))
            .order_by(CaseEvent.id))
        for unit_id, data in rows:   # the latest entry into the state wins, as standing.latest_in reads it
            data = data or {}
            out[unit_id] = Payee(str(data.get(payee["account_name"]) or ""), str(data.get(payee["bank_name"]) or ""),
                                 str(data.get(payee["bank_account"]) or ""))
    return out


# ---- the list ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PayableRow:
    case: Case
    claim: SubsidyClaim
    unit_name: str
    region: str
    payable_since: date | None       # the Beijing day it became 待拨付 (公示期满)
    payee: Payee

    @property
    def amount(self) -> str:
        return f"{Decimal(self.claim.total_fen) / 100:.2f}"

    def as_dict(self) -> dict:
        return {"case_id": self.case.id, "reference": self.case.reference, "unit": self.unit_name,
                "region": self.region, "amount": self.amount, "amount_fen": self.claim.total_fen,
                "trainee_months": self.claim.paid_count,
                "period": {"from": self.claim.period_from, "to": self.claim.period_to},
                "payable_since": self.payable_since.isoformat() if self.payable_since else None,
                "account_name": self.payee.account_name, "bank_name": self.payee.bank_name,
                "bank_account": self.payee.masked_account}


@dataclass(frozen=True)
class PayablePage:
    rows: list[PayableRow]
    page: Page
    total_fen: int

    @property
    def total(self) -> str:
        return f"{Decimal(self.total_fen) / 100:.2f}"

    def as_dict(self) -> dict:
        return {"page": self.page.number, "pages": self.page.pages, "total": self.page.total,
                "total_amount": self.total, "claims": [r.as_dict() for r in self.rows]}


def check_finance(account: Account | None) -> None:
    if not access.is_finance(account):
        raise AccessDenied("您的账号没有拨付权限，请联系系统管理员")


def _statement(catalogue: Catalogue, account: Account, *columns):
    return (select(*(columns or (Case, SubsidyClaim, Unit.name))).select_from(Case)
            .join(SubsidyClaim, SubsidyClaim.case_id == Case.id).join(Unit, Unit.id == Case.unit_id)
            .where(access.payable_clause(account), _payable_where(catalogue)))


def _rows(session, catalogue: Catalogue, found) -> list[PayableRow]:
    found = list(found)
    if not found:
        return []
    ids = [case.id for case, _, _ in found]
    states = {c.id: c.state for c, _, _ in found}
    since: dict[int, date] = {}
    for chunk in range(0, len(ids), 900):
        for case_id, to_state, at in session.execute(
                select(CaseEvent.case_id, CaseEvent.to_state, CaseEvent.at)
                .where(CaseEvent.case_id.in_(ids[chunk:chunk + 900])).order_by(CaseEvent.id)):
            if to_state == states[case_id]:
                since[case_id] = clock.to_beijing(at).date()
    banks: dict[int, Payee] = {}
    by_item: dict[str, list[int]] = {}
    for case, _, _ in found:
        by_item.setdefault(case.item_key, []).append(case.unit_id)
    for key, units in by_item.items():
        banks.update(payees(session, catalogue, catalogue.item(key), units))
    regions = load_regions()
    return [PayableRow(case, claim, name, regions.label(case.county_code or case.city_code),
                       since.get(case.id), banks.get(case.unit_id, NO_PAYEE)) for case, claim, name in found]


def payable_page(session, catalogue: Catalogue, account: Account, page=None) -> PayablePage:
    """A page of the claims 待拨付 this finance reviewer pays, oldest first, with the sum of all of them."""
    check_finance(account)
    stmt = _statement(catalogue, account)
    count, total_fen = session.execute(_statement(catalogue, account, func.count(),
                                                  func.coalesce(func.sum(SubsidyClaim.total_fen), 0))).one()
    at = Page(parse_page(page), PER_PAGE, count).within()
    found = session.execute(stmt.order_by(Case.id).limit(PER_PAGE).offset(at.offset)).all()
    return PayablePage(_rows(session, catalogue, found), at, int(total_fen))


def payable_xlsx(session, catalogue: Catalogue, account: Account) -> bytes:
    """导出拨付清单: every claim 待拨付 of the jurisdiction with the full bank account (every text neutralised:
    units type their names and account names)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    check_finance(account)
    found = session.execute(_statement(catalogue, account).order_by(Case.id).limit(EXPORT_MAX_ROWS)).all()
    wb = Workbook()
    ws = wb.active
    ws.title = "拨付清单"
    ws.append(list(HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in _rows(session, catalogue, found):
        ws.append([neutralise(r.case.reference), neutralise(r.unit_name), neutralise(r.payee.account_name),
                   neutralise(r.payee.bank_name), neutralise(r.payee.bank_account),
                   Decimal(r.claim.total_fen) / 100, r.claim.paid_count, r.region])
    for row in ws.iter_rows(min_row=2):
        for c in row[:5]:
            c.data_type, c.number_format = "s", "@"   # text, never a formula or a number (account numbers)
        row[5].number_format = "0.00"
    for col, width in zip("ABCDEFGH", (22, 36, 36, 28, 26, 16, 12, 20)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- marking paid -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Payment:
    paid_on: date
    voucher: str


def check_payment(data: dict, not_before: date | None = None, today: date | None = None) -> Payment:
    """The typed payment date and voucher, or ValidationFailed with a Chinese message per field."""
    today = today or clock.today()
    raw = {"paid_on": str(data.get("paid_on") or "").strip(), "voucher": str(data.get("voucher") or "").strip()}
    errors = []
    paid_on = None
    if not raw["paid_on"]:
        errors.append(FieldError("/paid_on", "请填写拨付日期"))
    elif formats.check_date(raw["paid_on"]) is not None:
        errors.append(FieldError("/paid_on", "拨付日期格式应为YYYY-MM-DD，如2026-03-15"))
    else:
        paid_on = formats.parse_date_text(raw["paid_on"])
        if paid_on > today:
            errors.append(FieldError("/paid_on", "拨付日期不能晚于今天"))
        elif not_before is not None and paid_on < not_before:
            errors.append(FieldError("/paid_on", f"拨付日期不能早于申领转为待拨付的日期（{not_before.isoformat()}）"))
    if not raw["voucher"]:
        errors.append(FieldError("/voucher", "请填写拨付凭证号"))
    elif not VOUCHER.match(raw["voucher"]):
        errors.append(FieldError("/voucher", "凭证号为1至40位字母、数字或“-”"))
    if errors:
        raise ValidationFailed(errors, raw)
    return Payment(paid_on, raw["voucher"])


def payable_since(session, case: Case) -> date | None:
    at = standing.entered_at(session, case, case.state)
    return clock.to_beijing(at).date() if at is not None else None


def mark_paid(session, catalogue: Catalogue, account: Account, cases: list[Case], data: dict,
              today: date | None = None) -> list[Case]:
    """Mark each claim 已拨付 with the same date and voucher; all or nothing (the caller's transaction)."""
    check_finance(account)
    if not cases:   # every problem at once: nothing chosen, and what is wrong with the date and voucher
        errors = [FieldError("/cases", "请选择要登记拨付的申领")]
        try:
            check_payment(data, None, today)
        except ValidationFailed as e:
            errors += e.errors
        raise ValidationFailed(errors, data)
    for case in cases:
        access.check_may_pay(account, case)
        t = pay_transition(catalogue.workflows[case.workflow_key])
        if t is None or case.state not in t.sources:
            wf = catalogue.workflows[case.workflow_key]
            raise TransitionNotAllowed(f"申领{case.reference}当前状态“{wf.label(case.state)}”，不能登记拨付",
                                       state=case.state)
    latest = max((d for d in (payable_since(session, c) for c in cases) if d is not None), default=None)
    payment = check_payment(data, latest, today)
    for case in cases:
        t = pay_transition(catalogue.workflows[case.workflow_key])
        claim = claim_of(session, case)
        claim.paid_on, claim.voucher, claim.paid_by = payment.paid_on, payment.voucher, account.id
        transition(session, catalogue, case, t.trigger, account, today=today, form=FORM,
                   event_data={"paid_on": payment.paid_on.isoformat(), "voucher": payment.voucher})
    return cases


@effect("lock_claim_lines", serves="claim", label="锁定已拨付的补贴月份",
        doc="a paid claim's counted trainee-months are locked: no recomputation and no re-imported report "
            "changes them again")
def _lock_effect(case, ctx) -> None:
    lock(ctx.session, case)


def lock(session, case: Case) -> None:
    claim = claim_of(session, case)
    if claim is not None:
        session.execute(update(ClaimLine).where(ClaimLine.claim_id == claim.id, ClaimLine.counted.is_(True),
                                                ClaimLine.locked_at.is_(None)).values(locked_at=clock.utcnow()))


# ---- a paid claim as read ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaidInfo:
    paid_on: date
    voucher: str

    def as_dict(self) -> dict:
        return {"paid_on": self.paid_on.isoformat(), "voucher": self.voucher}


def paid_info(claim: SubsidyClaim | None) -> PaidInfo | None:
    if claim is None or claim.paid_on is None:
        return None
    return PaidInfo(claim.paid_on, claim.voucher or "")


def cases_by_id(session, ids) -> list[Case]:
    ids = sorted({int(i) for i in ids if str(i).isdigit()})
    return list(session.scalars(select(Case).where(Case.id.in_(ids)))) if ids else []

