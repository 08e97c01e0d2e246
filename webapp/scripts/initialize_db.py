"""Load demo accounts and data into a migrated database (used by `make run` only). Idempotent."""
from __future__ import annotations

import argparse
import io
import sys
from datetime import timedelta

import pikepdf
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import select

from engine import clock, formats
from engine.accounts.registration import register_individual, register_unit
from engine.admin.staff import create_staff
from engine.attachments import attach
from engine.cases.lifecycle import submit, transition
from engine.db import database_url, make_engine, make_session_factory
from engine.models import Account
from engine.storage import FileStorage
from webapp import load_settings_catalogue

DEMO_PASSWORD = "Jianxi2026"


def demo_pdf() -> bytes:
    """A real one-page A4 PDF (blank), written by qpdf, so it passes the content check like a scan would."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def credit_code(base17: str) -> str:
    return base17 + formats._credit_check_char(base17)


def id_number(base17: str) -> str:
    return base17 + formats._id_check_char(base17)


UNIT_A = ("山西晋阳智能科技有限公司", credit_code("91140105MA0K3XY20"))
UNIT_B = ("大同云冈文旅发展有限公司", credit_code("91140213MA0L8ABC1"))
PERSON = ("张晓明", id_number("14010520030517001"))


def load_demo(session, catalogue, storage: FileStorage) -> bool:
    if session.scalar(select(Account.id).where(Account.login_name == "admin")):
        return False
    today = clock.today()
    create_staff(session, "admin", "系统管理员", "admin", DEMO_PASSWORD)
    province = create_staff(session, "sheng", "省级审核员", "reviewer", DEMO_PASSWORD, jurisdiction="140000")
    create_staff(session, "taiyuan", "太原市审核员", "reviewer", DEMO_PASSWORD, jurisdiction="140100")
    # 拨付权限 (engine/subsidy/payment.py): exports 太原's payment workbook and marks claims 已拨付.
    create_staff(session, "taiyuan_caiwu", "太原市财务审核员", "reviewer", DEMO_PASSWORD,
                 jurisdiction="140100").finance = True
    register_individual(session, PERSON[0], PERSON[1], "13812345678", DEMO_PASSWORD,
                        profile={"education": "本科", "school": "山西大学", "major": "计算机科学与技术"})
    unit_a = register_unit(session, UNIT_A[0], UNIT_A[1], "李红", "13912345678", DEMO_PASSWORD)
    register_unit(session, UNIT_B[0], UNIT_B[1], "王强", "13712345678", DEMO_PASSWORD)

    app_item = catalogue.item("unit_application")
    data = {
        "unit_type": "企业", "industry": "信息传输、软件和信息技术服务业", "city": "140100", "county": "140105",
        "address": "太原市小店区长治路123号", "founded_on": "2015-06-18", "legal_rep": "赵建国",
        "contact_name": "李红", "contact_mobile": "13912345678", "landline": "0351-7654321",
        "staff_count": 120, "insured_count": 110, "planned_posts": 10,
        "intro": "专注于智能制造软件研发的高新技术企业。",
        "account_name": UNIT_A[0], "bank_name": "中国工商银行太原长治路支行", "bank_code": "102161000123",
        "bank_account": "0502 1234 5678 9012 345", "bank_account_confirm": "0502 1234 5678 9012 345",
    }
    from engine.cases.lifecycle import save_draft
    case = save_draft(session, catalogue, app_item, unit_a, data)
    document = demo_pdf()
    for spec in app_item.attachments:
        attach(session, storage, catalogue, case, spec["slot"], f"{spec['title']}.pdf", document, unit_a)
    submit(session, catalogue, app_item, unit_a, data, case=case)
    transition(session, catalogue, case, "approve", province, comment="材料齐全，同意。")

    post_item = catalogue.item("post_application")
    positions = [
        ("软件开发见习生", 5, "本科", "计算机类", 6, 2600, "140105"),
        ("数据标注助理", 3, "大专", "不限", 3, 2200, "140105"),
        ("行政文员", 2, "不限", "", 6, 2150, "140106"),
    ]
    for name, openings, edu, major, months, allowance, county in positions:
        post = {"position_name": name, "openings": openings, "education": edu, "major": major,
                "period_months": months, "allowance": allowance, "work_city": "140100", "work_county": county,
                "work_address": "太原市小店区长治路123号", "description": f"{name}：在带教老师指导下参与日常工作。",
                "contact_name": "李红", "contact_mobile": "13912345678",
                "deadline": (today + timedelta(days=90)).isoformat()}
        pcase = submit(session, catalogue, post_item, unit_a, post)
        transition(session, catalogue, pcase, "approve", province)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description="载入演示账号与数据")
    parser.add_argument("config_uri")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    settings = get_appsettings(args.config_uri)
    catalogue = load_settings_catalogue(settings)
    engine = make_engine(database_url(settings))
    session = make_session_factory(engine)()
    storage = FileStorage(settings["jianxi.storage_dir"])
    try:
        loaded = load_demo(session, catalogue, storage)
        session.commit()
    finally:
        session.close()
    print("演示数据已载入" if loaded else "演示数据已存在，未重复载入")
    return 0


if __name__ == "__main__":
    sys.exit(main())
