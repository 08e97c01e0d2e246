"""The 系统管理 home page's figures: accounts by role, cases in all, the catalogue's size, failed notice
deliveries, the newest log entries, and a reminder when next year's holiday arrangement is not in the
working-day calendar yet."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from engine.admin.audit import RECENT, AuditFilter, AuditRow, audit_log
from engine.admin.calendar import uncovered_soon
from engine.admin.staff import account_counts
from engine.definitions.model import Catalogue
from engine.models import Case, Delivery


@dataclass
class Summary:
    roles: dict[str, int]       # accounts by role
    cases: int                  # of every item, in every state
    items: int
    workflows: int
    recent: list[AuditRow]
    failed_deliveries: int = 0  # notices email or SMS could not deliver (通知发送)
    calendar_missing: int | None = None   # next year, while neither the package nor an administrator has it


def summary(session, catalogue: Catalogue) -> Summary:
    return Summary(roles=account_counts(session), cases=session.scalar(select(func.count()).select_from(Case)),
                   items=len(catalogue.items), workflows=len(catalogue.workflows),
                   recent=audit_log(session, catalogue, AuditFilter(), per_page=RECENT)[0],
                   failed_deliveries=session.scalar(select(func.count()).select_from(Delivery).where(
                       Delivery.state == "failed")),
                   calendar_missing=uncovered_soon(session))
