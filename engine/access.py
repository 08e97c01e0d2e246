"""Who may see and act on what: the one home of every access rule.

- The owner rule: a case belongs to its unit (every account of the unit) or, for an individual, to the
  account that made it. A batch import, narrower, belongs to the account that uploaded it (`made_by`).
- The jurisdiction rule: a reviewer's jurisdiction is the province, a city or a county, and covers the
  cases and positions located in it. It is given both as a SQL clause (queues, counts, exports) and as
  an object check (one case, one position); both read the jurisdiction's level from the region table.
- The draft rule: a case that was never submitted (no submitted_at: it has never left its workflow's
  initial state) is its owner's alone; no reviewer or administrator ever sees it.
- The original rule: what a unit uploaded is served byte for byte to its owner and to administrators only;
  reviewers are given a copy whose formulas are text (engine.spreadsheet.neutralised_copy).
- Notices: a notice (engine/notices) is its recipient's alone, and only one shown in the 消息中心 is read
  there; nobody else reaches it, an administrator included (they see deliveries, not the 消息中心).
- Supervision (超期督办): a reviewer of the province or of a city also oversees the jurisdictions below
  theirs: the province every city's and county's cases, a city its counties'. They see those cases (the
  jurisdiction rule already lets them); whether they may act on one is the workflow's word, as always.
- Ratings (好差评, engine/ratings): a case is rated by its owner only (any agent of the unit), never by staff;
  its rating is read where the case is (the owner, the jurisdiction's reviewers). A bad rating's follow-up
  (差评整改) belongs to the jurisdiction like the case: every reviewer whose jurisdiction covers the place
  copied from the case sees it and may close it.
- Following (办件进度查询): anyone who types a submitted case's reference and its owner's code (the unit's
  统一社会信用代码, or an individual's 身份证号) may learn its progress, and only that
  (engine/cases/progress.py); a draft is never followed. The comparison costs the same whether or not the
  reference names a case, so the answer cannot tell which of the two was wrong.
- Statistics (数据统计): a reviewer sees the figures of their jurisdiction, an administrator the province's;
  nobody else any (`statistics_scope`); every figure's query is scoped by `jurisdiction_clause`.
- Units overseen (缺报名单): a reviewer oversees the units whose 业务办理归属地 lies in the jurisdiction, an
  administrator every unit; nobody else any (`unit_jurisdiction_clause`).
- Sessions: a sign-in (登录设备) is its account's alone: only that account lists or ends it here (an
  administrator ends all of an account's sessions by disabling it or resetting its password, never one).
- A unit's people (经办人): every active account of a unit sees who acts for it; only its administrator
  (单位管理员) invites and removes them, and only people of its own unit (never itself).
- Payment (见习补贴拨付): a reviewer with 拨付权限 (`accounts.finance`, granted by administrators) pays the
  claims located in their jurisdiction (`may_pay`, `payable_clause`), and sees the unit's bank account in
  full only in the payment workbook. Nobody else pays, and a paid month is never changed again.
- Claims: a case claimed by one reviewer cannot be acted on by another until the claim is released or
  lapses. This is honoured on every path (page, bulk, JSON API), because every reviewer's action goes
  through `check_may_act`.

The web layer asks `case_permissions` / `position_permissions` and builds its ACLs from the answer;
engine code asks the same functions, so the two can never disagree.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, false, true

from engine import clock
from engine.errors import AccessDenied, ClaimConflict
from engine.models import Account, Case, LoginSession, Notice, Position, Unit
from engine.regions import CITY, COUNTY, PROVINCE, load_regions
from engine.roles import OWNER_ROLES

class Permission(StrEnum):
    """What a route may require of its context (webapp views name these)."""
    VIEW = "view"              # the owner's pages of a case
    EDIT = "edit"              # change a case's data and files
    TRANSITION = "transition"  # fire a trigger (the workflow then says which)
    READ = "read"              # files and the print view: owner and reviewers alike
    ORIGINAL = "original"      # a batch's workbook byte for byte as uploaded: owner and administrators
    REVIEW = "review"          # the reviewer's pages of a case or position
    MANAGE = "manage"          # the unit's pages of its own position
    RATE = "rate"              # 好差评: the owner's rating of a finished case


OWNER_CASE = frozenset({Permission.VIEW, Permission.EDIT, Permission.TRANSITION, Permission.READ,
                        Permission.ORIGINAL, Permission.RATE})
STAFF_CASE = frozenset({Permission.REVIEW, Permission.TRANSITION, Permission.READ})
# An administrator reviews nothing, but may fetch what a unit uploaded as it was (to examine a suspect file);
# reviewers get a copy with its formulas turned into text instead (engine.spreadsheet.neutralised_copy).
ADMIN_CASE = frozenset({Permission.ORIGINAL})
OWNER_POSITION = frozenset({Permission.MANAGE})
STAFF_POSITION = frozenset({Permission.REVIEW})

# A claim is a courtesy, not a lock: one left behind by someone who went home lapses after a day.
CLAIM_HOURS = 24


# ---- jurisdictions -------------------------------------------------------------

def level_of(jurisdiction: str | None) -> str | None:
    """province, city or county, from the region table; None for no or an unknown code."""
    region = load_regions().get(jurisdiction) if jurisdiction else None
    return region.level if region else None


def covers(jurisdiction: str | None, city_code: str | None, county_code: str | None) -> bool:
    """Whether a jurisdiction covers something located in this city and county."""
    level = level_of(jurisdiction)
    if level == PROVINCE:
        return True
    if level == CITY:
        return city_code == jurisdiction
    if level == COUNTY:
        return county_code == jurisdiction
    return False


def jurisdiction_clause(jurisdiction: str | None, city_column=Case.city_code, county_column=Case.county_code):
    """`covers` as a SQL condition on a table's city and county columns."""
    level = level_of(jurisdiction)
    if level == PROVINCE:
        return true()
    if level == CITY:
        return city_column == jurisdiction
    if level == COUNTY:
        return county_column == jurisdiction
    return false()


def is_reviewer(account: Account | None) -> bool:
    return account is not None and account.role == "reviewer" and account.active


def is_admin(account: Account | None) -> bool:
    return account is not None and account.role == "admin" and account.active


def supervises(account: Account | None) -> bool:
    """Whether this reviewer oversees jurisdictions below their own (a province or a city reviewer)."""
    return is_reviewer(account) and level_of(account.jurisdiction) in (PROVINCE, CITY)


def below_clause(level: str | None):
    """Cases located below a jurisdiction of this level, as a SQL condition to add to the jurisdiction clause:
    for the province, cases located in a city; for a city, cases located in one of its counties."""
    if level == PROVINCE:
        return Case.city_code.is_not(None)
    if level == CITY:
        return Case.county_code.is_not(None)
    return false()


def unit_jurisdiction_clause(account: Account | None):
    """The units this account oversees, as a SQL condition on units: by their 业务办理归属地 for a reviewer
    (a unit not yet located only for the province), all for an administrator, none for anyone else."""
    if is_admin(account):
        return true()
    if not is_reviewer(account):
        return false()
    return jurisdiction_clause(account.jurisdiction, Unit.city_code, Unit.county_code)


def statistics_scope(account: Account | None) -> str | None:
    """数据统计: the jurisdiction whose figures an account sees: a reviewer's own (the province every city, a
    city its counties, a county itself), the province for an administrator, none for anyone else."""
    if is_admin(account):
        return load_regions().province.code
    if is_reviewer(account) and level_of(account.jurisdiction) is not None:
        return account.jurisdiction
    return None


def check_statistics_scope(account: Account | None) -> str:
    scope = statistics_scope(account)
    if scope is None:
        raise AccessDenied("只有审核人员和管理员可以查看数据统计")
    return scope


# ---- owners and drafts -----------------------------------------------------------

def owns(account: Account | None, case: Case) -> bool:
    if account is None or not account.active or account.role not in OWNER_ROLES:
        return False
    if case.unit_id is not None:
        return account.unit_id == case.unit_id
    return case.account_id == account.id


def owned_by_clause(unit_id: int | None, account_id: int | None):
    """Cases of this owner: the unit's, or for an individual (no unit) the account's own."""
    if unit_id is not None:
        return Case.unit_id == unit_id
    return and_(Case.unit_id.is_(None), Case.account_id == account_id)


def owner_clause(account: Account):
    """The owner rule as a SQL condition on cases: what this account owns."""
    return owned_by_clause(account.unit_id, account.id)


def made_by(account: Account | None, thing) -> bool:
    """Whether this account made it itself (a case, a batch import): narrower than the owner rule. An import
    and what it shows back (its error workbook, the case it just made) are for the account that uploaded
    the file, not for the rest of its unit."""
    return account is not None and account.active and thing.account_id == account.id


def made_by_clause(account: Account, model):
    """`made_by` as a SQL condition on a table with an account_id column."""
    return model.account_id == account.id


def is_draft(case: Case) -> bool:
    """Never submitted. (A case sent back for correction was submitted, and stays visible to staff.)"""
    return case.submitted_at is None


def submitted_clause():
    """Cases staff may see at all. On the queue indexes (region, state, submitted_at, ...) it is a range."""
    return Case.submitted_at.is_not(None)


def staff_case_clause(account: Account):
    """Every case this reviewer may see, as one SQL condition."""
    if not is_reviewer(account):
        return false()
    return and_(jurisdiction_clause(account.jurisdiction), submitted_clause())


def objection_clause(account: Account):
    """The 公示 objections a reviewer decides: those of claims of their jurisdiction (on the claim's case)."""
    return staff_case_clause(account)


# ---- permissions on one object ---------------------------------------------------

def case_permissions(account: Account | None, case: Case) -> frozenset[str]:
    if owns(account, case):
        return OWNER_CASE
    if is_reviewer(account) and not is_draft(case) and \
            covers(account.jurisdiction, case.city_code, case.county_code):
        return STAFF_CASE
    if is_admin(account) and not is_draft(case):
        return ADMIN_CASE
    return frozenset()


def may_review(account: Account | None, case: Case) -> bool:
    return Permission.REVIEW in case_permissions(account, case)


def position_permissions(account: Account | None, position: Position) -> frozenset[str]:
    if account is not None and account.active and account.unit_id is not None and \
            account.unit_id == position.unit_id and account.role == "unit":
        return OWNER_POSITION
    if is_reviewer(account) and covers(account.jurisdiction, position.city_code, position.county_code):
        return STAFF_POSITION
    return frozenset()


def may_see_position(account: Account | None, position: Position) -> bool:
    """A listed position is public; one taken down stays visible to its unit and its jurisdiction's reviewers."""
    return position.status == "open" or bool(position_permissions(account, position))


def check_may_take_down(account: Account | None, position: Position) -> None:
    """Only the unit that owns the position or a reviewer of its jurisdiction may end its listing."""
    if not position_permissions(account, position):
        raise AccessDenied("您的账号无权下架此岗位", hide=is_reviewer(account))


# ---- payment (见习补贴拨付) ----------------------------------------------------------

def is_finance(account: Account | None) -> bool:
    """A reviewer with 拨付权限."""
    return is_reviewer(account) and bool(account.finance)


def may_pay(account: Account | None, case: Case) -> bool:
    """Whether this account may export and mark paid this (submitted) claim: a finance reviewer covering it."""
    return is_finance(account) and not is_draft(case) and \
        covers(account.jurisdiction, case.city_code, case.county_code)


def payable_clause(account: Account | None):
    """`may_pay` as a SQL condition on cases."""
    if not is_finance(account):
        return false()
    return and_(jurisdiction_clause(account.jurisdiction), submitted_clause())


def check_may_pay(account: Account | None, case: Case) -> None:
    if may_pay(account, case):
        return
    if is_reviewer(account) and not may_review(account, case):
        raise AccessDenied("该申请不在您的管辖范围内", hide=True)
    raise AccessDenied("您的账号没有拨付权限，请联系系统管理员")


# ---- ratings (好差评) and their follow-ups -------------------------------------------

def check_may_rate(account: Account | None, case: Case) -> None:
    """Raise unless this account may rate the case at all (its state is engine.ratings' word): its owner.
    A reviewer outside the jurisdiction is told nothing exists; other staff and other owners are refused."""
    if Permission.RATE in case_permissions(account, case):
        return
    if is_reviewer(account) and not may_review(account, case):
        raise AccessDenied("该办件不存在", hide=True)
    if is_reviewer(account) or is_admin(account):
        raise AccessDenied("好差评由申请人评价，工作人员不能评价")
    raise AccessDenied("只能评价本单位（本人）的办件")


def followup_clause(account: Account | None, model):
    """The follow-ups (差评整改) this reviewer sees and handles, as a SQL condition on `model`'s place columns."""
    if not is_reviewer(account):
        return false()
    return jurisdiction_clause(account.jurisdiction, model.city_code, model.county_code)


def may_handle_followup(account: Account | None, followup) -> bool:
    return is_reviewer(account) and covers(account.jurisdiction, followup.city_code, followup.county_code)
# ---- strangers following a case (办件进度查询) ---------------------------------------

# What a typed code is compared with when there is no case, or a draft: no normalised code equals it.
_NO_CODE = "\x00" * 18


def follow_code(case: Case | None) -> str | None:
    """What proves that someone may follow this case's progress without signing in: its unit's 统一社会信用代码,
    or for an individual's case the individual's 身份证号. None for no case and for a draft."""
    if case is None or is_draft(case):
        return None
    if case.unit_id is not None:
        return case.unit.credit_code
    return case.account.id_number or case.account.login_name


def may_follow(case: Case | None, code: str) -> bool:
    """Whether the typed code (normalised) lets its typist follow the case. One constant-time comparison
    every time, against a dummy when there is no case to follow, so an unknown reference costs what a wrong
    code does."""
    expected = follow_code(case)
    same = hmac.compare_digest((expected or _NO_CODE).encode("utf-8"), code.encode("utf-8"))
    return expected is not None and same
# ---- a unit's people (经办人) ------------------------------------------------------

def may_see_agents(account: Account | None) -> bool:
    return account is not None and account.active and account.role == "unit" and account.unit_id is not None


def may_manage_agents(account: Account | None) -> bool:
    return may_see_agents(account) and account.unit_admin


def check_may_remove_agent(account: Account | None, agent: Account | None) -> None:
    """The administrator removes another active person of its own unit; anyone else's is as if it did not exist."""
    if not may_manage_agents(account):
        raise AccessDenied("只有单位管理员可以管理经办人")
    if agent is None or agent.unit_id != account.unit_id or agent.role != "unit" or not agent.active:
        raise AccessDenied("没有这位经办人", hide=True)
    if agent.id == account.id:
        raise AccessDenied("不能移除自己（单位管理员）")


# ---- notices ---------------------------------------------------------------------

def notice_clause(account: Account):
    """The notices of this account's 消息中心, as a SQL condition."""
    if account is None or not account.active:
        return false()
    return and_(Notice.recipient_id == account.id, Notice.inapp.is_(True))


def may_read_notice(account: Account | None, notice: Notice) -> bool:
    return account is not None and account.active and notice.inapp and notice.recipient_id == account.id


# ---- sessions (登录设备) ------------------------------------------------------------

def session_clause(account: Account):
    """The sessions this account may list and end, as a SQL condition: its own."""
    if account is None or not account.active:
        return false()
    return LoginSession.account_id == account.id


# ---- claims ----------------------------------------------------------------------

def claim_active(claimed_at: datetime | None, now: datetime | None = None) -> bool:
    if claimed_at is None:
        return False
    return (now or clock.utcnow()) - claimed_at < timedelta(hours=CLAIM_HOURS)


def holder(session, case: Case, now: datetime | None = None) -> Account | None:
    """The reviewer whose claim on the case is still active, if any."""
    if case.claimed_by is None or not claim_active(case.claimed_at, now):
        return None
    return session.get(Account, case.claimed_by)


def claimed_message(who: Account, at: datetime) -> str:
    return f"该申请已由{who.name}于{clock.format_beijing(at, '%m-%d %H:%M')}认领，请勿重复处理"


def claim_problem(session, account: Account, case: Case) -> str | None:
    """Why this account must keep off the case: a colleague's active claim (None if there is none)."""
    other = holder(session, case)
    if other is not None and other.id != account.id:
        return claimed_message(other, case.claimed_at)
    return None


def check_may_act(session, account: Account, case: Case) -> None:
    """Raise unless this account may fire a trigger on the case at all (the workflow then decides which):
    the owner, or a reviewer of the jurisdiction on a submitted case that no one else has claimed."""
    if Permission.TRANSITION not in case_permissions(account, case):
        if is_reviewer(account):
            raise AccessDenied("该申请不在您的管辖范围内", hide=True)
        raise AccessDenied("您的账号无权办理此申请")
    if is_reviewer(account) and (problem := claim_problem(session, account, case)):
        raise ClaimConflict(problem)
