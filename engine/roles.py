"""The account roles and what each is called: the one list every page, log and command uses."""
from __future__ import annotations

ROLES = ("unit", "individual", "reviewer", "admin")   # the values of accounts.role
STAFF_ROLES = ("reviewer", "admin")                   # log in at /staff/login
OWNER_ROLES = ("unit", "individual")                 # own cases; log in on the public login page
SYSTEM = "system"   # not an account: the actor of transitions the programme fires itself (a batch's accept)

ROLE_LABELS = {"unit": "单位", "individual": "个人", "reviewer": "审核人员", "admin": "系统管理员"}
# Who may fire a workflow transition (workflow.json's "roles"): the account roles and the programme.
ACTOR_LABELS = {**ROLE_LABELS, SYSTEM: "系统"}


def role_label(role: str | None) -> str:
    return ACTOR_LABELS.get(role, role or "")
