"""Reviewers of four jurisdictions and unit applications waiting across them, shared by the review tests."""
from __future__ import annotations



import pytest

from engine.cases.lifecycle import save_draft
from tests import factories as f


def ids(page):
    return [r.id for r in page.rows]


@pytest.fixture
def people(dbsession):
    s = dbsession
    return {
        "province": f.reviewer(s, "sheng", "140000", "省级审核员"),
        "taiyuan": f.reviewer(s, "taiyuan", "140100", "太原市审核员"),
        "xiaodian": f.reviewer(s, "xiaodian", "140105", "小店区审核员"),
        "datong": f.reviewer(s, "datong", "140200", "大同市审核员"),
    }


@pytest.fixture
def spread(dbsession, catalogue, storage, people):
    """Unit applications waiting in 小店区, 迎泽区 and 平城区 (大同), submitted in that order, and a draft."""
    s = dbsession
    out = {}
    for key, name, county, city in (("xiaodian", "小店科技有限公司", "140105", "140100"),
                                    ("yingze", "迎泽文化传媒有限公司", "140106", "140100"),
                                    ("pingcheng", "平城文旅有限公司", "140213", "140200")):
        unit = f.unit_account(s, name=name, mobile="13612345600")
        out[key] = f.submitted_unit_application(s, catalogue, storage, unit, city=city, county=county,
                                                address="某路1号")
    draft_unit = f.unit_account(s, name="草稿单位有限公司", mobile="13612345609")
    out["draft"] = save_draft(s, catalogue, catalogue.item("unit_application"), draft_unit,
                              f.unit_application_data("草稿单位有限公司"))
    s.commit()
    return out


@pytest.fixture
def world_unit(dbsession, catalogue, storage, people):
    """A 小店区 unit whose unit application is approved, so it may apply for positions."""
    unit = f.unit_account(dbsession, name="两级审核测试有限公司", mobile="13612345607")
    f.approved_unit(dbsession, catalogue, storage, unit, people["province"])
    dbsession.commit()
    return unit
