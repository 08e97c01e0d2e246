"""A unit with an approved application, and helpers to publish positions and search them."""
from __future__ import annotations



import pytest

from engine import clock, positions as P
from engine.loader import default_dirs, load_catalogue
from engine.models import Position
from tests import factories as f


TODAY = clock.today()  # the Beijing date, as the search uses


CATALOGUE = load_catalogue(*default_dirs())


@pytest.fixture
def unit(dbsession, catalogue, storage):
    s = dbsession
    approver = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    account = f.unit_account(s, name="山西晋阳智能科技有限公司")
    f.approved_unit(s, catalogue, storage, account, approver)
    s.commit()
    return account, approver


def publish(dbsession, catalogue, unit, **over) -> Position:
    account, approver = unit
    position = f.published_position(dbsession, catalogue, account, approver, **over)
    dbsession.commit()
    return position


def find(dbsession, **params) -> list[str]:
    filters, errors = P.search.parse_filters(params, P.search.search_choices(CATALOGUE))
    assert errors == []
    return [p.name for p in P.search.search_positions(dbsession, filters).items]


@pytest.fixture
def texts(dbsession, catalogue, unit):
    publish(dbsession, catalogue, unit, position_name="财务会计助理", major="会计学")
    publish(dbsession, catalogue, unit, position_name="Java开发见习生", major="计算机类")
    publish(dbsession, catalogue, unit, position_name="C++工程师助理", major="软件工程")
    publish(dbsession, catalogue, unit, position_name="护理见习岗", major="护理学")
