"""engine.admin.catalogue: the items with their workflows and cases counted per state and version."""
from __future__ import annotations

from engine.admin import catalogue as admin_catalogue
from engine.cases.lifecycle import transition
from tests import factories as f


def test_catalogue_overview_counts_cases_per_state(dbsession, catalogue, storage):
    r = f.reviewer(dbsession)
    unit = f.unit_account(dbsession)
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    transition(dbsession, catalogue, case, "return_for_correction", r, comment="请补充")
    dbsession.commit()
    infos = {i.item.key: i for i in admin_catalogue.catalogue_overview(dbsession, catalogue)}
    assert list(infos) == list(catalogue.items)
    assert infos["unit_application"].total == 1
    assert dict((s, n) for s, _, n in infos["unit_application"].counts)["returned"] == 1
    info = admin_catalogue.item_info(dbsession, catalogue, "unit_application")
    assert info.versions == [(1, 1)] and info.workflow.key == "review"
    assert admin_catalogue.item_info(dbsession, catalogue, "nope") is None
