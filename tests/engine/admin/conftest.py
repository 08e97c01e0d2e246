from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture
def boss(dbsession):
    return f.admin(dbsession)
