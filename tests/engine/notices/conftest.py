"""A unit with two agents in 小店区 (太原市), reviewers of every level around it and elsewhere, and a two-level
catalogue (county first, then city) beside the shipped one."""
from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture
def people(dbsession):
    s = dbsession
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司", mobile="13912345678")
    unit.email = "li.hong@jinyang.example"
    colleague = f.colleague(s, unit)
    out = {"unit": unit, "colleague": colleague,
           "province": f.reviewer(s, "sheng", "140000", "省级审核员"),
           "taiyuan": f.reviewer(s, "taiyuan", "140100", "太原市审核员"),
           "xiaodian": f.reviewer(s, "xiaodian", "140105", "小店区审核员"),
           "yingze": f.reviewer(s, "yingze", "140106", "迎泽区审核员"),
           "datong": f.reviewer(s, "datong", "140200", "大同市审核员"),
           "other": f.unit_account(s, name="大同云冈文旅发展有限公司", mobile="13612345678")}
    for key in ("province", "taiyuan", "xiaodian", "yingze", "datong"):
        out[key].email = f"{key}@renshe.example"
    s.flush()
    return out


@pytest.fixture(scope="session")
def two_level(tmp_path_factory):
    """The shipped definitions plus the docs' worked example: 见习补贴申领, county then city review."""
    from tests.webapp.test_new_item import definitions
    return definitions(tmp_path_factory.mktemp("two-level"), "definitions")
