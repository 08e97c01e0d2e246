"""engine.admin.overview: the 系统管理 home page's figures."""
from __future__ import annotations

from engine.admin.overview import summary
from tests import factories as f


def test_the_home_summary_counts_accounts_cases_and_the_catalogue(dbsession, catalogue, storage):
    f.admin(dbsession)
    f.submitted_unit_application(dbsession, catalogue, storage, f.unit_account(dbsession))
    dbsession.commit()
    s = summary(dbsession, catalogue)
    assert (s.roles, s.cases) == ({"admin": 1, "unit": 1}, 1)
    assert (s.items, s.workflows) == (len(catalogue.items), len(catalogue.workflows))
    assert [x.action for x in s.recent] == ["submit"]
