"""The unit in 小店区 (太原市) with two agents and the reviewers of every level around it and elsewhere, shared
with the notice tests; its application approved by the city; helpers to rate."""
from __future__ import annotations

import pytest

from engine.ratings import scale
from tests import factories as f
from tests.engine.notices.conftest import people  # noqa: F401  (the same people: a fixture of this folder too)

GOOD = {d.key: 5 for d in scale.ALL}


def levels(score: int = 5, **over) -> dict:
    """Every level at `score`, some changed: levels(efficiency=2)."""
    return {**{d.key: score for d in scale.ALL}, **over}


@pytest.fixture
def admin(dbsession):
    return f.admin(dbsession)


@pytest.fixture
def approved(dbsession, catalogue, storage, people):  # noqa: F811
    """The unit's application, approved by 太原市 (a city reviewer decided it)."""
    case = f.approved_unit(dbsession, catalogue, storage, people["unit"], people["taiyuan"])
    dbsession.commit()
    return case
