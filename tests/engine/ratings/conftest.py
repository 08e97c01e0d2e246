"""A unit in 小店区 (太原市) with two agents, its application approved by the city, reviewers of every level
around it and elsewhere, and helpers to rate."""
from __future__ import annotations

import pytest

from engine.accounts.passwords import hash_password
from engine.models import Account
from engine.ratings import scale
from tests import factories as f

GOOD = {d.key: 5 for d in scale.ALL}


def levels(score: int = 5, **over) -> dict:
    """Every level at `score`, some changed: levels(efficiency=2)."""
    return {**{d.key: score for d in scale.ALL}, **over}


@pytest.fixture
def people(dbsession):
    s = dbsession
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司", mobile="13912345678")
    colleague = Account(login_name="JINYANG02", role="unit", name="王晓明", mobile="13712345678",
                        password_hash=hash_password(f.PASSWORD), unit=unit.unit)
    s.add(colleague)
    out = {"unit": unit, "colleague": colleague,
           "province": f.reviewer(s, "sheng", "140000", "省级审核员"),
           "taiyuan": f.reviewer(s, "taiyuan", "140100", "太原市审核员"),
           "xiaodian": f.reviewer(s, "xiaodian", "140105", "小店区审核员"),
           "yingze": f.reviewer(s, "yingze", "140106", "迎泽区审核员"),
           "datong": f.reviewer(s, "datong", "140200", "大同市审核员"),
           "admin": f.admin(s),
           "other": f.unit_account(s, name="大同云冈文旅发展有限公司", mobile="13612345678")}
    s.flush()
    return out


@pytest.fixture
def approved(dbsession, catalogue, storage, people):
    """The unit's application, approved by 太原市 (a city reviewer decided it)."""
    case = f.approved_unit(dbsession, catalogue, storage, people["unit"], people["taiyuan"])
    dbsession.commit()
    return case
