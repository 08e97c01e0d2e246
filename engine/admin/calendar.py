"""工作日历: the working-day calendar as an administrator sees and corrects it. A month's days, the year's
holidays and 调休 working days with where each comes from (内置: the package; 管理员设置: a row of
calendar_days), and setting or removing a row, a day or a run of days at a time, each change audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select

from engine import clock, formats
from engine.accounts.contact import AccountError
from engine.admin.audit import audit
from engine.models import Account, CalendarDay
from engine.validation import FieldError
from engine.workdays import builtin_year, calendar, covered

FIRST_YEAR, LAST_YEAR = 2004, 2099   # the package's first year; nothing sensible lies beyond the century
MAX_RUN = 31                         # days set at once: the longest holiday is 8, a month is plenty
NOTE_MAX = 40
KINDS = {"holiday": False, "workday": True}
KIND_LABELS = {"holiday": "放假", "workday": "上班"}


class CalendarError(AccountError):
    """What an administrator typed, refused: every problem at once, by its field."""


@dataclass(frozen=True)
class YearView:
    year: int
    month: int
    covered: bool                # the package knows this year
    weeks: list                  # the month as weeks of Day | None (Monday first)
    special: list                # the year's holidays, 调休 working days and administrators' rows
    workdays_in_year: int

    @property
    def prev(self) -> tuple[int, int]:
        return (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)

    @property
    def next(self) -> tuple[int, int]:
        return (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)


def parse_month(year, month) -> tuple[int, int]:
    """The month asked for in the address, this Beijing month when absent or out of range."""
    today = clock.today()
    try:
        y, m = int(year), int(month)
    except (TypeError, ValueError):
        return today.year, today.month
    if not (FIRST_YEAR <= y <= LAST_YEAR and 1 <= m <= 12):
        return today.year, today.month
    return y, m


def year_view(session, year: int, month: int) -> YearView:
    cal = calendar(session)
    days = cal.month(year, month)
    lead = [None] * days[0].day.weekday()
    cells = lead + days
    cells += [None] * (-len(cells) % 7)
    weeks = [cells[i:i + 7] for i in range(0, len(cells), 7)]
    start = date(year, 1, 1)
    year_days = [cal.day(start + timedelta(days=i)) for i in range((date(year + 1, 1, 1) - start).days)]
    return YearView(year, month, builtin_year(year).covered, weeks, [d for d in year_days if d.special],
                    cal.workdays_between(start - timedelta(days=1), date(year, 12, 31)))


def uncovered_soon(session) -> int | None:
    """Next year, when the package does not know it and no administrator has entered a day of it yet:
    the 系统管理 pages remind them each November."""
    year = clock.today().year + 1
    if covered(year):
        return None
    entered = session.scalar(select(CalendarDay.day).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day < date(year + 1, 1, 1)).limit(1))
    return None if entered else year


def _error(field: str, message: str) -> FieldError:
    return FieldError(f"/{field}", message)


def _day(value: str, field: str, label: str, errors: list) -> date | None:
    text = formats.trim(formats.drop_control_chars(value or ""))
    if not text:
        return None
    parsed = formats.parse_date_text(text)
    if parsed is None:
        errors.append(_error(field, f"{label}格式应为“年-月-日”，如2027-02-06"))
    elif not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        errors.append(_error(field, f"{label}须在{FIRST_YEAR}年至{LAST_YEAR}年之间"))
        parsed = None
    return parsed


def check_entry(start_text: str, end_text: str, kind: str, note: str) -> tuple[list[date], bool, str | None]:
    """The days, working or not, and the note an administrator typed; CalendarError with every problem."""
    errors: list = []
    start = _day(start_text, "start", "日期", errors)
    if start is None and not errors:
        errors.append(_error("start", "请填写日期"))
    end = _day(end_text, "end", "结束日期", errors) if (end_text or "").strip() else start
    if kind not in KINDS:
        errors.append(_error("kind", "请选择该日放假还是上班"))
    note = formats.trim(note or "")
    if formats.has_control_chars(note):
        errors.append(_error("note", "备注含有无法识别的控制字符，请删除后重新填写"))
    elif len(note) > NOTE_MAX:
        errors.append(_error("note", f"备注不能超过{NOTE_MAX}个字"))
    if start and end:
        if end < start:
            errors.append(_error("end", "结束日期不能早于开始日期"))
        elif (end - start).days + 1 > MAX_RUN:
            errors.append(_error("end", f"一次最多设置{MAX_RUN}天，请分段录入"))
    if errors:
        raise CalendarError(errors)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return days, KINDS[kind], note or None


def set_days(session, actor: Account | None, start_text: str, end_text: str, kind: str, note: str,
             remote_addr: str | None = None) -> list[date]:
    """Rule that these days are working days or not (an existing row is replaced); one audit entry."""
    days, workday, note = check_entry(start_text, end_text, kind, note)
    existing = {r.day: r for r in session.scalars(select(CalendarDay).where(CalendarDay.day.in_(days)))}
    for d in days:
        row = existing.get(d) or CalendarDay(day=d)
        row.is_workday, row.note, row.updated_by = workday, note, actor.id if actor else None
        session.add(row)
    audit(session, actor, "calendar_set", f"{days[0]:%Y-%m-%d}" + (f"至{days[-1]:%Y-%m-%d}" if len(days) > 1 else ""),
          {"days": [d.isoformat() for d in days], "workday": workday, "note": note}, remote_addr)
    session.flush()
    return days


def remove_day(session, actor: Account | None, day_text: str, remote_addr: str | None = None) -> date:
    """Take an administrator's row away: the day is again what the package (or Monday to Friday) says."""
    errors: list = []
    day = _day(day_text, "day", "日期", errors)
    row = session.get(CalendarDay, day) if day else None
    if not errors and row is None:
        errors.append(_error("day", "该日没有管理员设置，无需删除"))
    if errors:
        raise CalendarError(errors)
    before = {"workday": row.is_workday, "note": row.note}
    session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    audit(session, actor, "calendar_remove", f"{day:%Y-%m-%d}", {"days": [day.isoformat()], **before}, remote_addr)
    session.flush()
    return day

