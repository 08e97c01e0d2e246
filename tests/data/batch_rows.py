"""Realistic rows for the three batch reports, generated (never stored as binary fixtures).

Used by the batch tests (a few rows) and by bench/bench_batch_import.py (100,000 rows). Every row
generated here passes every check for a unit whose open positions are the given names (6-month period,
allowance above Taiyuan's minimum wage), as of 2026-11-28 or later.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from engine import formats

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志宇晨浩然子轩梓涵一诺欣怡思远嘉禾晓东雨桐佳琪文博"
SCHOOLS = ["山西大学", "太原理工大学", "中北大学", "山西财经大学", "山西师范大学", "山西医科大学", "太原科技大学",
           "山西农业大学", "山西工商学院", "山西职业技术学院", "太原城市职业技术学院", "长治学院"]
MAJORS = ["会计学", "计算机科学与技术", "软件工程", "电子商务", "市场营销", "机械设计制造及其自动化", "汉语言文学",
          "财务管理", "护理学", "土木工程", "数据科学与大数据技术", "人力资源管理"]
EDUCATION = ["本科"] * 6 + ["大专"] * 3 + ["硕士"]
AREAS = ["140105", "140106", "140107", "140108", "140109", "140110", "140202", "140302", "140402", "140502",
         "140602", "140702", "140802", "140902", "141002", "141102"]
# Allocated mobile prefixes (engine.formats refuses 154, 174x, 179, 194 and the like).
MOBILE_PREFIXES = [p + d for p, digits in (("13", "0123456789"), ("15", "012356789"), ("18", "0123456789"),
                                           ("17", "035678"), ("19", "12356789"), ("16", "6")) for d in digits]
GRADUATE = "离校2年内未就业高校毕业生"
YOUTH = "16-24岁失业青年"


def id_number(area: str, birth: date, seq: int) -> str:
    base = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return base + formats._id_check_char(base)


def person(i: int, rnd: random.Random, birth_from: date = date(2001, 1, 1)) -> dict:
    """The i-th person: unique ID (area, birth day, sequence), name, mobile."""
    birth = birth_from + timedelta(days=(i // 997) % 1400)
    return {
        "name": rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2)))),
        "id_number": id_number(AREAS[(i // (997 * 1400)) % len(AREAS)], birth, i % 997),
        "mobile": f"{rnd.choice(MOBILE_PREFIXES)}{rnd.randrange(10**8):08d}",
    }


def match_rows(n: int, positions: list[str], seed: int = 1, first: int = 0) -> list[dict]:
    """n agreements of 6 months starting 2026-08-01 .. 2026-11-01, spread over the given positions."""
    rnd = random.Random(seed)
    starts = [date(2026, m, 1) for m in (8, 9, 10, 11)]
    out = []
    for i in range(first, first + n):
        youth = i % 10 == 9
        p = person(i, rnd, birth_from=date(2004, 1, 1) if youth else date(2001, 1, 1))
        start = starts[i % len(starts)]
        end = formats.add_months(start, 6) - timedelta(days=1)
        out.append({
            **p, "education": rnd.choice(EDUCATION), "school": rnd.choice(SCHOOLS), "major": rnd.choice(MAJORS),
            "graduated_on": date(2026 if i % 3 else 2025, 6, 30), "category": YOUTH if youth else GRADUATE,
            "position": positions[i % len(positions)], "start_date": start, "end_date": end,
            "allowance": rnd.choice((2200, 2400, 2600, 2800, 3000)), "insurance_no": f"PICC2026{i:08d}",
        })
    return out


def attendance_rows(people: list[dict], month: str) -> list[dict]:
    out = []
    for p in people:
        leave = len(p["name"]) % 2
        out.append({"name": p["name"], "id_number": p["id_number"], "month": month, "required_days": 21,
                    "attended_days": 21 - leave, "leave_days": leave, "absent_days": 0})
    return out


def onduty_rows(people: list[dict], month: str) -> list[dict]:
    return [{"name": p["name"], "id_number": p["id_number"], "month": month, "status": "在岗", "days": 30,
             "allowance_paid": p.get("allowance", 2600)} for p in people]
