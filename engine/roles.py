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


# A unit's person accounts: its administrator (单位管理员, the first) and the agents it invited (经办人).
UNIT_ADMIN_LABEL, AGENT_LABEL = "单位管理员", "经办人"


def acting_label(account) -> str:
    """What a person is for the unit they act for ("" for anyone else): 单位管理员 or 经办人."""
    if account is None or account.role != "unit":
        return ""
    return UNIT_ADMIN_LABEL if account.unit_admin else AGENT_LABEL


def person_label(account) -> str:
    """A person as the reviewer's page and the audit log name them: 李红（经办人）, a reviewer by name alone."""
    if account is None:
        return ""
    acting = acting_label(account)
    return f"{account.name}（{acting}）" if acting else account.name
