"""engine.roles: the one list of roles and their labels, and what is derived from it."""
from __future__ import annotations

import json
from pathlib import Path

from engine import models, roles

ROOT = Path(__file__).resolve().parents[2]


def test_every_role_has_one_label_and_the_administrator_is_a_system_administrator():
    assert set(roles.ROLE_LABELS) == set(roles.ROLES) and set(roles.STAFF_ROLES) <= set(roles.ROLES)
    assert roles.role_label("admin") == "系统管理员" and roles.role_label("system") == "系统"
    assert models.ROLES is roles.ROLES


def test_the_workflow_metaschema_allows_exactly_the_roles_and_the_system():
    meta = json.loads((ROOT / "engine" / "metaschema" / "workflow.json").read_text("utf-8"))
    allowed = meta["properties"]["transitions"]["items"]["properties"]["roles"]["items"]["enum"]
    assert set(allowed) == set(roles.ACTOR_LABELS) == {*roles.ROLES, roles.SYSTEM}



def test_a_units_people_are_named_with_what_they_are_for_it():
    from types import SimpleNamespace as A
    assert roles.person_label(A(role="unit", unit_admin=True, name="李红")) == "李红（单位管理员）"
    assert roles.person_label(A(role="unit", unit_admin=False, name="王芳")) == "王芳（经办人）"
    assert roles.person_label(A(role="reviewer", unit_admin=False, name="省级审核员")) == "省级审核员"
    assert roles.person_label(None) == "" and roles.acting_label(None) == ""
