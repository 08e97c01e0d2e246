"""The 消息中心: one person's notices, newest first, a page at a time; the unread count the header shows;
marking one or all read. Whose notices are whose is engine.access's answer (notice_clause)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from engine import access, clock
from engine.models import Account, Notice, row_id
from engine.paging import Page

PER_PAGE = 20


@dataclass
class NoticePage:
    rows: list[Notice]
    page: Page
    unread: int
    unread_only: bool


def unread_count(session, account: Account) -> int:
    return session.scalar(select(func.count()).select_from(Notice).where(
        access.notice_clause(account), Notice.read_at.is_(None))) or 0


def notices_page(session, account: Account, number: int = 1, unread_only: bool = False,
                 per_page: int = PER_PAGE) -> NoticePage:
    where = [access.notice_clause(account)]
    if unread_only:
        where.append(Notice.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Notice).where(*where)) or 0
    page = Page(number, per_page, total).within()
    rows = list(session.scalars(select(Notice).where(*where).order_by(Notice.id.desc())
                                .offset(page.offset).limit(per_page)))
    unread = total if unread_only else unread_count(session, account)
    return NoticePage(rows, page, unread, unread_only)


def get_notice(session, account: Account, notice_id) -> Notice | None:
    """The account's notice by id, or None (another person's notice is as if it did not exist)."""
    notice_id = row_id(notice_id)
    notice = session.get(Notice, notice_id) if notice_id is not None else None
    return notice if notice is not None and access.may_read_notice(account, notice) else None


def mark_read(session, account: Account, notice_id) -> Notice | None:
    notice = get_notice(session, account, notice_id)
    if notice is not None and notice.read_at is None:
        notice.read_at = clock.utcnow()
        session.flush()
    return notice


def mark_all_read(session, account: Account) -> int:
    result = session.execute(update(Notice).where(access.notice_clause(account), Notice.read_at.is_(None))
                             .values(read_at=clock.utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def as_json(notice: Notice) -> dict:
    return {"id": notice.id, "kind": notice.kind, "event": notice.event, "title": notice.title,
            "body": notice.body, "link": notice.link, "case_id": notice.case_id,
            "created_at": clock.isoformat(notice.created_at), "read_at": clock.isoformat(notice.read_at),
            "read": notice.read_at is not None}
