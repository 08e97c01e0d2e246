"""Claims: a reviewer marks a case as theirs; a courtesy that engine.access honours on every path, not a lock."""
from __future__ import annotations

from engine import access, clock
from engine.access import holder
from engine.errors import ClaimConflict, StaleCase
from engine.models import Account, Case
from engine.workflow import flush_versioned


def claim(session, case: Case, account: Account, expected_version: int | None = None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申请已被他人处理", state=case.state)
    if problem := access.claim_problem(session, account, case):
        raise ClaimConflict(problem)
    case.claimed_by, case.claimed_at = account.id, clock.utcnow()
    flush_versioned(session, case.state)


def release(session, case: Case, account: Account, expected_version: int | None = None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申请已被他人处理", state=case.state)
    other = holder(session, case)
    if other is not None and other.id != account.id:
        raise ClaimConflict(f"该申请由{other.name}认领，只有认领人可以释放")
    case.claimed_by, case.claimed_at = None, None
    flush_versioned(session, case.state)
