"""Persistent model. The schema itself lives in the Alembic migrations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, MetaData, String,
    Text, UniqueConstraint, false, text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from engine.clock import utcnow  # noqa: F401  (column defaults, and re-exported)
from engine.roles import ROLES  # noqa: F401  (re-exported)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Primary keys are INTEGER columns (32 bits on PostgreSQL); a bigger number names no row, and SQLite
# cannot even bind one beyond 64 bits, so ids from URLs and request bodies go through row_id() first.
MAX_ID = 2**31 - 1


def row_id(value) -> int | None:
    """value (an int or a string of digits) as a possible primary key, or None if no row can have it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 10:
            return None
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


class Region(Base):
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    wage_class: Mapped[int | None] = mapped_column(Integer)


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    # 业务办理归属地: set from the unit application's county; reviewers' jurisdiction is checked against it.
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# An invitation still waiting for its person (engine/accounts/agents.py repeats it so the partial index is used).
INVITATION_OPEN_SQL = "accepted_at IS NULL AND cancelled_at IS NULL"


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    login_name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(64))
    mobile: Mapped[str | None] = mapped_column(String(20))
    # Where email notices go (optional; migration 0006). No page edits it yet: set by the console or SQL.
    email: Mapped[str | None] = mapped_column(String(254))
    id_number: Mapped[str | None] = mapped_column(String(18))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Reviewers: a GB/T 2260 code of the province, a city or a county.
    jurisdiction: Mapped[str | None] = mapped_column(String(6))
    profile: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Units: the person accounts acting for a unit (经办人) share its unit_id; its administrator (单位管理员, the
    # first of them) invites and removes the others (engine/accounts/agents.py; migration 0012).
    unit_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Reviewers: 拨付权限, granted by administrators (engine/admin/staff.py; migration 0016): they export the
    # payment workbook of the claims 待拨付 in their jurisdiction and mark them 已拨付 (engine/subsidy/payment.py).
    finance: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    unit: Mapped[Unit | None] = relationship()


class Identity(Base):
    """Who a unified (OpenID Connect) login is: the provider's subject, linked to the local account it signed
    in as (engine/accounts/federated.py). A subject may act for several units (one row per account)."""
    __tablename__ = "identities"
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))          # unit (a legal-person login) or individual
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[Account] = relationship()
    __table_args__ = (UniqueConstraint("issuer", "subject", "account_id", name="uq_identities_subject_account"),)


class UnitInvitation(Base):
    """A unit administrator's invitation of a person, by ID number, to act for the unit (经办人): accepted when
    that person next signs in through the unified login as an operator of the unit; or cancelled."""
    __tablename__ = "unit_invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))   # the agent it made
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        # At most one open invitation per unit and person.
        Index("uq_unit_invitations_open", "unit_id", "id_number", unique=True,
              sqlite_where=text(INVITATION_OPEN_SQL), postgresql_where=text(INVITATION_OPEN_SQL)),
    )


class LoginSession(Base):
    """One sign-in (登录设备): the cookie holds a random token, this row its SHA-256 only (migration 0011).
    Deleting the row ends the session on every process at its next request (engine/accounts/sessions.py)."""
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # False between a staff member's password and their code: such a session signs nobody in.
    second_factor_done: Mapped[bool] = mapped_column(Boolean, default=True)

    account: Mapped[Account] = relationship()


class SecondFactor(Base):
    """A staff account's TOTP secret (RFC 6238): pending until a first code confirms it, then never shown
    again. last_step: the newest time step accepted, so a code is not taken twice (migration 0011)."""
    __tablename__ = "second_factors"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)


class RecoveryCode(Base):
    """One of the ten recovery codes shown once at enrolment: its SHA-256 (the codes are random), usable once."""
    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class DefinitionSnapshot(Base):
    """Each definition version a case was submitted under, kept so the case is always shown with it."""
    __tablename__ = "definition_snapshots"
    item_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# Cases whose clock runs (engine/deadlines.py); the queries repeat it so the partial WHERE is implied.
DEADLINE_SQL = "deadline_on IS NOT NULL"
DEADLINE_QUEUE = ("deadline_on", "id", "submitted_at", "item_key", "submitted_month")


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(40))
    definition_version: Mapped[int] = mapped_column(Integer)
    workflow_key: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    city_code: Mapped[str | None] = mapped_column(String(6))
    county_code: Mapped[str | None] = mapped_column(String(6))
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_month: Mapped[str | None] = mapped_column(String(7))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    row_count: Mapped[int | None] = mapped_column(Integer)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # A change application (migration 0005): the case in force it changes; set by the engine, never from input.
    change_of: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # 办理时限 (engine/deadlines.py): the last working day of the clock that is running (NULL whenever none
    # runs, so the deadline indexes hold only waiting cases), what became of the latest clock, and how many
    # clocks the case has had (a resubmission starts a new one; each crossing is recorded once per clock).
    deadline_on: Mapped[date | None] = mapped_column(Date)
    clock: Mapped[str | None] = mapped_column(String(10))
    clock_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    unit: Mapped[Unit | None] = relationship()
    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_unit_item_state", "unit_id", "item_key", "state"),
        # The reviewer queue (migration 0004): region + state fixed, ordered by submitted_at, id; item and
        # month are checked inside the index, so every count and page is one index-only range.
        Index("ix_cases_state_queue", "state", "submitted_at", "id", "item_key", "submitted_month"),
        Index("ix_cases_city_queue", "city_code", "state", "submitted_at", "id", "item_key", "submitted_month"),
        Index("ix_cases_county_queue", "county_code", "state", "submitted_at", "id", "item_key", "submitted_month"),
        Index("ix_cases_account", "account_id", "created_at"),
        # The queue by deadline (migration 0007): only cases whose clock runs are indexed; region + state
        # fixed, ordered by deadline_on, id, with every filter column inside, like the queue indexes above.
        *(Index(f"ix_cases_{name}_deadline", *lead, "state", *DEADLINE_QUEUE,
                sqlite_where=text(DEADLINE_SQL), postgresql_where=text(DEADLINE_SQL))
          for name, lead in (("state", ()), ("city", ("city_code",)), ("county", ("county_code",)))),
        # The deadline scan (预警, 超期) over every running clock, whatever its state.
        Index("ix_cases_deadline", "deadline_on", sqlite_where=text(DEADLINE_SQL), postgresql_where=text(DEADLINE_SQL)),
    )


class CaseEvent(Base):
    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)  # audit log, newest first (0004)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    # What was submitted in this round, so later rounds can be compared.
    data: Mapped[dict | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[Account | None] = relationship()


class DeadlineCrossing(Base):
    """A case's running clock entering the warning window (预警) or passing its deadline (超期), recorded
    once per clock: the unique key makes repeated and concurrent scans record each crossing once."""
    __tablename__ = "deadline_crossings"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    clock_round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))          # warning, overdue
    deadline_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("case_id", "clock_round", "kind", name="uq_deadline_crossings_case_round_kind"),)


class ReportReminder(Base):
    """A reminder to a unit that a monthly report (an item's `due`) is due soon or late, recorded once per
    unit, item, month and kind: the unique key makes repeated and concurrent runs send each once
    (engine/batch/reminders.py, in the transaction of its notices)."""
    __tablename__ = "report_reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    item_key: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))          # soon, overdue
    due_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("unit_id", "item_key", "month", "kind",
                                       name="uq_report_reminders_unit_item_month_kind"),)


class CalendarDay(Base):
    """An administrator's ruling on one day (a holiday, a 调休 working day), over the built-in calendar:
    next year's arrangement is published each November, before the package knows it (engine/workdays.py)."""
    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    slot: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # Files replaced in an earlier round stay for the reviewers' comparison.
    current: Mapped[bool] = mapped_column(Boolean, default=True)

    case: Mapped[Case] = relationship(back_populates="attachments")


# A position the public can find: open and not yet filled (the deadline is checked in the query).
LISTED_SQL = "status = 'open' AND matched < openings"
_FILTERS = ("city_code", "county_code", "education", "industry", "period_months", "allowance")


def _listed(lead: tuple, order: tuple = ("published_at", "deadline")) -> tuple:
    return (*lead, *order, *(c for c in _FILTERS if c not in lead))


LISTED_INDEXES = (
    ("new", _listed(())),                        # newest first, any filter without a better index
    ("city", _listed(("city_code",))),
    ("county", _listed(("county_code",))),
    ("education", _listed(("education",))),
    ("allowance", _listed(("allowance",))),      # sort by allowance, minimum allowance
    ("id", _listed(("id",))),                    # probed by the keyword hits (FTS rowids)
    ("deadline", ("deadline",)),                 # count of everything listed: two range scans
)


class Position(Base):
    """A published internship position: an approved post application."""
    __tablename__ = "positions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    openings: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    education: Mapped[str | None] = mapped_column(String(10))
    major: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(40))
    period_months: Mapped[int] = mapped_column(Integer)
    allowance: Mapped[int] = mapped_column(Integer)
    city_code: Mapped[str] = mapped_column(String(6))
    county_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str | None] = mapped_column(String(200))
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Overlapping bigrams of search_text, for SQLite's FTS5 table (engine/search.py); kept in sync by triggers.
    search_tokens: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship()
    __table_args__ = (
        Index("ix_positions_status_city", "status", "city_code", "published_at"),
        Index("ix_positions_status_county", "status", "county_code", "published_at"),
        # Public search: only listed rows (open, not full) are indexed, and each index carries every
        # filter column, so counts and pages never read the table (engine/positions/search.py names the index
        # for SQLite). The query repeats LISTED_SQL literally so the partial WHERE is implied.
        *(Index(f"ix_positions_listed_{name}", *cols, sqlite_where=text(LISTED_SQL),
                postgresql_where=text(LISTED_SQL)) for name, cols in LISTED_INDEXES),
    )


class Intent(Base):
    __tablename__ = "intents"
    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    position: Mapped[Position] = relationship()
    account: Mapped[Account] = relationship()
    __table_args__ = (
        # At most one active intent per person and position; a withdrawn one may be followed by a new one.
        Index("uq_intents_active", "position_id", "account_id", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
    )


class PositionEvent(Base):
    """History of a published position outside its case's workflow: taken down, put back."""
    __tablename__ = "position_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Account | None] = relationship()


class SearchVersion(Base):
    """A counter that database triggers raise on every change to positions (and unit names), in the
    writer's transaction, so cached search results keyed by it are never stale (engine/positions/cache.py)."""
    __tablename__ = "search_versions"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


# Active rows that report a month, and active agreements (engine/batch/dues.py): the queries repeat these
# conditions literally so the partial indexes below are implied (migration 0008).
FILED_SQL = "active AND month IS NOT NULL"
AGREED_SQL = "active AND end_date IS NOT NULL"


class BatchRow(Base):
    """One accepted row of a batch report; the natural key lets a re-import replace it."""
    __tablename__ = "batch_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    row_number: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(120))
    id_number: Mapped[str | None] = mapped_column(String(18))
    month: Mapped[str | None] = mapped_column(String(7))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict] = mapped_column(JSON)
    __table_args__ = (
        Index("ix_batch_rows_unit_item_key", "unit_id", "item_key", "row_key"),
        Index("ix_batch_rows_id_number", "id_number", "item_key"),
        # Who reported which month, and who is on which roster when (缺报名单, reminders): each an index-only
        # range; a row of a monthly report enters only the first, an agreement only the second.
        Index("ix_batch_rows_filed", "item_key", "month", "unit_id", "id_number", "active",
              sqlite_where=text(FILED_SQL), postgresql_where=text(FILED_SQL)),
        Index("ix_batch_rows_agreed", "item_key", "end_date", "start_date", "unit_id", "id_number", "active",
              sqlite_where=text(AGREED_SQL), postgresql_where=text(AGREED_SQL)),
    )


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # A name past its login failures asks whether this account signed in from this address lately.
    __table_args__ = (Index("ix_audit_log_actor_at", "actor_id", "at"),)


class BatchImport(Base):
    """One upload of a batch workbook, clean or not: its file, its errors, and the case it became."""
    __tablename__ = "batch_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Random: the error workbook's address; only the account that imported may use it.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    item_key: Mapped[str] = mapped_column(String(40))
    definition_version: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80))
    errors_key: Mapped[str | None] = mapped_column(String(80))
    errorbook_key: Mapped[str | None] = mapped_column(String(80))
    row_count: Mapped[int] = mapped_column(Integer)
    error_count: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ix_batch_imports_account", "account_id", "created_at"),)


class Notice(Base):
    """A message to one person about one event (engine/notices): its 消息中心 row, written in the transaction
    of the event, and what each channel's delivery renders from (`kind` names the template)."""
    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(40))        # the template: case_result, case_waiting, ...
    event: Mapped[str] = mapped_column(String(40))       # what happened: a trigger, or an item event
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(200))   # a path of the app, for this recipient
    params: Mapped[dict] = mapped_column(JSON)            # what the templates are filled with
    inapp: Mapped[bool] = mapped_column(Boolean)          # shown in the 消息中心
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    recipient: Mapped[Account] = relationship()
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="notice", order_by="Delivery.id")
    __table_args__ = (
        Index("ix_notices_recipient", "recipient_id", "inapp", "id"),               # the 消息中心, newest first
        Index("ix_notices_unread", "recipient_id", "inapp", "read_at"),             # the header's unread count
    )


class Delivery(Base):
    """One channel's delivery of a notice (email, SMS), sent by `jianxi worker` (engine/notices/delivery.py):
    pending -> sending (claimed: a token and a lease) -> sent; or back to pending with a later
    next_attempt_at, failed after the last attempt, skipped when the channel is not configured."""
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(254))   # the email address or mobile at the event
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="deliveries")
    __table_args__ = (
        Index("ix_deliveries_due", "state", "next_attempt_at", "id"),      # what a worker claims next
        Index("ix_deliveries_lease", "state", "lease_until"),              # leases of workers that died
    )


class JobRun(Base):
    """A periodic job of the workers (engine/notices/jobs.py): when it is next due and who holds its lease,
    so that each run happens once per interval across every worker on every host."""
    __tablename__ = "job_runs"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(DateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class Rating(Base):
    """好差评 (engine/ratings): the applicant's one rating of a finished case; the unique case_id refuses a second,
    even two at the same moment. Item and place are copied from the case for the statistics, and the month
    is the Beijing month of the rating (engine.clock), so every count is a GROUP BY on this table alone."""
    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    item_key: Mapped[str] = mapped_column(String(40))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))   # who rated
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    city_code: Mapped[str | None] = mapped_column(String(6))
    county_code: Mapped[str | None] = mapped_column(String(6))
    # The levels as scores, 5 (非常满意) to 1 (非常不满意): engine/ratings/scale.py.
    efficiency: Mapped[int] = mapped_column(Integer)
    guide: Mapped[int] = mapped_column(Integer)
    convenience: Mapped[int] = mapped_column(Integer)
    usability: Mapped[int] = mapped_column(Integer)
    overall: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    bad: Mapped[bool] = mapped_column(Boolean)
    rated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    rated_month: Mapped[str] = mapped_column(String(7))

    __table_args__ = (
        Index("ix_ratings_month_item", "rated_month", "item_key"),
        Index("ix_ratings_bad", "bad", "rated_at"),
    )


class RatingFollowup(Base):
    """差评整改: the task a bad rating opens for the reviewers of the case's jurisdiction, due on the working-day
    calendar (engine/deadlines.py); closed once, with what was done (整改情况/回访结果)."""
    __tablename__ = "rating_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    city_code: Mapped[str | None] = mapped_column(String(6))
    county_code: Mapped[str | None] = mapped_column(String(6))
    level: Mapped[str | None] = mapped_column(String(10))   # the reviewers' level told of it (who decided the case)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_on: Mapped[date] = mapped_column(Date)
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime)   # when the 超期 notice went out
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    outcome: Mapped[str | None] = mapped_column(Text)

    rating: Mapped[Rating] = relationship()
    __table_args__ = (
        Index("ix_rating_followups_city", "city_code", "deadline_on"),
        Index("ix_rating_followups_county", "county_code", "deadline_on"),
        Index("ix_rating_followups_open", "closed_at", "deadline_on"),
    )
class RateLimit(Base):
    """One fixed window of one rate-limit bucket (engine/throttle.py): how many hits it has had. Counted by
    INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so every process sharing the database counts in one place;
    windows past expires_at are deleted by the workers' rate_limits_purge job."""
    __tablename__ = "rate_limits"
    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)      # "<rule>:<key>", e.g. progress.address:1.2.3.4
    window_start: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    count: Mapped[int] = mapped_column(Integer)


# A trainee-month is paid at most once: only counted lines (those of submitted claims that are paid, not
# flagged, and neither rejected nor returned) are in this partial unique index (migration 0013).
COUNTED_SQL = "counted"


class SubsidyClaim(Base):
    """A 见习补贴申领 case's computation (engine/subsidy): its unit and period, the scheme key and the
    versions it was computed with (version -> sha256 of that version's text), its totals in fen."""
    __tablename__ = "subsidy_claims"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    scheme_key: Mapped[str] = mapped_column(String(40))
    scheme_versions: Mapped[dict] = mapped_column(JSON)
    period_from: Mapped[str] = mapped_column(String(7))
    period_to: Mapped[str] = mapped_column(String(7))
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)     # lines with an amount (not flagged)
    flagged_count: Mapped[int] = mapped_column(Integer, default=0)  # 缺报, 重复, 已申领, 超期 …
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set when finance staff mark the claim 已拨付 (engine/subsidy/payment.py; migration 0016).
    paid_on: Mapped[date | None] = mapped_column(Date)
    voucher: Mapped[str | None] = mapped_column(String(40))
    paid_by: Mapped[int | None] = mapped_column(Integer)
    # 公示 (engine/subsidy/publicity.py): the Beijing dates the approved claim is shown publicly, set by the
    # start_publicity effect; an upheld objection leaves them as they were until the next approval.
    publicity_from: Mapped[date | None] = mapped_column(Date)
    publicity_to: Mapped[date | None] = mapped_column(Date, index=True)


class ClaimObjection(Base):
    """An objection sent by anyone during a claim's 公示 (engine/subsidy/publicity.py): its text and optional
    contact are shown only to the claim's reviewers. status: pending, upheld or dismissed (or closed: another
    objection of the claim was upheld and sent it back to review)."""
    __tablename__ = "claim_objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class ClaimLine(Base):
    """One trainee and month of a claim, with its amounts in fen and its basis in words. `flag` says why a
    line is not paid (missing, duplicate, claimed, over_limit, unpriced, no_scheme); `counted` holds a paid
    line of a submitted claim, and the partial unique index on it keeps a trainee-month from being paid
    twice, whatever the claim or unit. `locked_at`: set once the claim is paid (engine/subsidy/payment.py); a locked month is never
    changed again, by a recomputation or by a re-imported report."""
    __tablename__ = "claim_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str | None] = mapped_column(String(60))
    month: Mapped[str] = mapped_column(String(7))
    agreement_start: Mapped[date] = mapped_column(Date)
    scheme_version: Mapped[int | None] = mapped_column(Integer)
    flag: Mapped[str | None] = mapped_column(String(12))
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    days: Mapped[int | None] = mapped_column(Integer)
    paid_fen: Mapped[int | None] = mapped_column(Integer)         # the allowance actually paid, as reported
    subsidy_fen: Mapped[int] = mapped_column(Integer, default=0)
    mentor_fen: Mapped[int] = mapped_column(Integer, default=0)
    insurance_fen: Mapped[int] = mapped_column(Integer, default=0)
    retention_fen: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(Integer, default=0)
    basis: Mapped[str] = mapped_column(Text)
    sources: Mapped[dict] = mapped_column(JSON)                   # report -> the batch case its row came from
    locked_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index("uq_claim_lines_counted", "id_number", "month", unique=True,
              sqlite_where=text(COUNTED_SQL), postgresql_where=text(COUNTED_SQL)),
        # Earlier months of the same people (max months per agreement, the one-off retention).
        Index("ix_claim_lines_person", "id_number", "agreement_start"),
    )


class StatsRollup(Base):
    """数据统计's counts, one row per level (county: by city and county; city: by city alone, for the province's
    bars), figure, series, month and place, recounted from the rows by the workers' `statistics_rollup` job
    (engine/stats/rollup.py) in one transaction, so the page reads a few thousand rows instead of a million
    and says when they were counted (migration 0017)."""
    __tablename__ = "stats_rollup"
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(6))
    figure: Mapped[str] = mapped_column(String(20))
    series: Mapped[str] = mapped_column(String(20))
    month: Mapped[str | None] = mapped_column(String(7))
    city_code: Mapped[str | None] = mapped_column(String(6))
    county_code: Mapped[str | None] = mapped_column(String(6))
    value: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_stats_rollup_read", "level", "month", "city_code", "county_code"),)
