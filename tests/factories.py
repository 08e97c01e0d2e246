"""Real rows for tests, made through the engine's own functions and committed."""
from __future__ import annotations

from datetime import timedelta

from engine import clock, formats
from engine.accounts.registration import register_individual, register_unit
from engine.admin.staff import create_staff
from engine.attachments import attach
from engine.cases.lifecycle import save_draft, submit, transition
from tests.data import documents

PASSWORD = "Passw0rd2026"
# Real files, as units upload them (the uploads are parsed: engine/filecheck.py).
PDF = documents.scanned_pdf()
PNG = documents.document_png()
JPEG = documents.photo_jpeg()


def credit_code(base17: str) -> str:
    return base17 + formats._credit_check_char(base17)


def id_number(base17: str) -> str:
    return base17 + formats._id_check_char(base17)


_seq = iter(range(1, 10**6))


def new_credit_code() -> str:
    return credit_code(f"91140105MA{next(_seq):07d}")


def new_id_number(birth: str = "20030517", area: str = "140105") -> str:
    return id_number(f"{area}{birth}{next(_seq) % 1000:03d}")


def unit_account(session, name="太原测试科技有限公司", code=None, mobile="13912345678"):
    return register_unit(session, name, code or new_credit_code(), "李红", mobile, PASSWORD)


def colleague(session, account, login="JINYANG02", name="王晓明", mobile="13712345678", email="wang@jinyang.example"):
    """A second agent of the account's unit (a unit may have several), with a mobile and an email address."""
    from engine.accounts.passwords import hash_password
    from engine.models import Account
    other = Account(login_name=login, role="unit", name=name, mobile=mobile, email=email,
                    password_hash=hash_password(PASSWORD), unit=account.unit)
    session.add(other)
    return other


def individual_account(session, name="张晓明", id_no=None):
    return register_individual(session, name, id_no or new_id_number(), "13812345678", PASSWORD,
                               profile={"education": "本科", "school": "山西大学", "major": "计算机科学与技术"})


def reviewer(session, login="reviewer_ty", jurisdiction="140100", name="太原市审核员"):
    return create_staff(session, login, name, "reviewer", PASSWORD, jurisdiction=jurisdiction)


def admin(session, login="admin"):
    return create_staff(session, login, "系统管理员", "admin", PASSWORD)


def unit_application_data(account_name: str, **over) -> dict:
    data = {
        "unit_type": "企业", "industry": "信息传输、软件和信息技术服务业", "city": "140100", "county": "140105",
        "address": "太原市小店区长治路123号", "founded_on": "2015-06-18", "legal_rep": "赵建国",
        "contact_name": "李红", "contact_mobile": "13912345678", "landline": "0351-7654321",
        "staff_count": 120, "insured_count": 110, "planned_posts": 10, "intro": "软件企业",
        "account_name": account_name, "bank_name": "中国工商银行太原长治路支行", "bank_code": "102161000123",
        "bank_account": "050212345678901234", "bank_account_confirm": "050212345678901234",
    }
    data.update(over)
    return data


def post_data(**over) -> dict:
    data = {"position_name": "软件开发见习生", "openings": 5, "education": "本科", "major": "计算机类",
            "period_months": 6, "allowance": 2600, "work_city": "140100", "work_county": "140105",
            "work_address": "太原市小店区长治路123号", "description": "参与软件开发", "contact_name": "李红",
            "contact_mobile": "13912345678", "deadline": (clock.today() + timedelta(days=60)).isoformat()}
    data.update(over)
    return data


def submitted_unit_application(session, catalogue, storage, account, **over):
    item = catalogue.item("unit_application")
    data = unit_application_data(account.unit.name, **over)
    case = save_draft(session, catalogue, item, account, data)
    for spec in item.attachments:
        attach(session, storage, catalogue, case, spec["slot"], f"{spec['slot']}.pdf", PDF, account)
    return submit(session, catalogue, item, account, data, case=case)


def approved_unit(session, catalogue, storage, account, approver):
    case = submitted_unit_application(session, catalogue, storage, account)
    transition(session, catalogue, case, "approve", approver)
    return case


def published_position(session, catalogue, account, approver, **over):
    case = submit(session, catalogue, catalogue.item("post_application"), account, post_data(**over))
    transition(session, catalogue, case, "approve", approver)
    from sqlalchemy import select

    from engine.models import Position
    return session.scalar(select(Position).where(Position.case_id == case.id))


def located_unit(session, catalogue, storage, approver, name: str, county: str, mobile="13912345678"):
    """A unit account whose unit application (naming `county`, its 业务办理归属地) was approved by `approver`."""
    account = unit_account(session, name=name, mobile=mobile)
    case = submitted_unit_application(session, catalogue, storage, account, city=county[:4] + "00", county=county)
    transition(session, catalogue, case, "approve", approver)
    return account


def stored_batch(session, catalogue, account, key: str, rows: list[dict], today=None):
    """A clean batch of item `key` for the account's unit, stored as an import that passed every check is
    (rows as the importer leaves them: dates and months as text); the batch's case."""
    from engine.batch.store import store_batch
    return store_batch(session, catalogue, catalogue.item(key), account, list(enumerate(rows, start=2)),
                       "上报.xlsx", today=today)


def agreement_rows(n: int, start: str, end: str, first: int = 0, position: str = "软件开发见习生") -> list[dict]:
    """n matched agreements (见习匹配结果 rows) running from start to end ("YYYY-MM-DD"), people numbered from `first`."""
    from tests.data import batch_rows
    rows = batch_rows.match_rows(n, [position], first=first)
    for r in rows:
        r.update(start_date=start, end_date=end, graduated_on=r["graduated_on"].isoformat())
    return rows


def reported(session, catalogue, account, item_key: str, rows: list[dict], today=None):
    """A batch report stored as a clean import would store it (the rows are not checked here)."""
    from engine.batch.store import store_batch
    return store_batch(session, catalogue, catalogue.item(item_key), account,
                       [(i, dict(r)) for i, r in enumerate(rows, start=2)], filename="上报.xlsx", today=today)


def agreement_row(id_no: str, start: str, end: str, name: str = "张晓明", **over) -> dict:
    row = {"name": name, "id_number": id_no, "mobile": "13812345678", "education": "本科", "school": "山西大学",
           "major": "会计学", "graduated_on": "2025-06-30", "category": "离校2年内未就业高校毕业生",
           "position": "会计见习生", "start_date": start, "end_date": end, "allowance": 2200,
           "insurance_no": "PICC2026001"}
    row.update(over)
    return row


def onduty_row(id_no: str, month: str, status: str = "在岗", days: int | None = None, paid=2200,
               change_date: str | None = None, name: str = "张晓明") -> dict:
    from engine.subsidy.compute import days_in
    row = {"name": name, "id_number": id_no, "month": month, "status": status,
           "days": days_in(month) if days is None else days, "allowance_paid": paid}
    if change_date:
        row["change_date"] = change_date
    return row


def attendance_row(id_no: str, month: str, required: int = 22, attended: int | None = None,
                   name: str = "张晓明") -> dict:
    attended = required if attended is None else attended
    return {"name": name, "id_number": id_no, "month": month, "required_days": required,
            "attended_days": attended, "leave_days": required - attended, "absent_days": 0}
