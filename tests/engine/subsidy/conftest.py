"""An approved unit in 太原市小店区 (一类: minimum wage 2150 元), its reviewers, and the claim item."""
from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture
def claimants(dbsession, catalogue, storage):
    s = dbsession
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    county = f.reviewer(s, login="xiaodian", jurisdiction="140105", name="小店区审核员")
    city = f.reviewer(s, login="taiyuan", jurisdiction="140100", name="太原市审核员")
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    other = f.unit_account(s, name="太原汾河文化传媒有限公司", mobile="13712345678")
    f.approved_unit(s, catalogue, storage, unit, province)
    f.approved_unit(s, catalogue, storage, other, province)
    s.commit()
    return {"unit": unit, "other": other, "county": county, "city": city, "province": province,
            "item": catalogue.item("subsidy_claim")}
