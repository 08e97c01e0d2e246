"""Route contexts with ACLs: who may view, edit or review a case, and who may use an item."""
from __future__ import annotations

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select

from engine import access
from engine.models import Case, Position, row_id


class Root:
    __acl__ = [
        (Allow, "role:unit", "unit"),
        (Allow, "role:individual", "individual"),
        (Allow, "role:reviewer", "reviewer"),
        (Allow, "role:admin", "admin"),
        # 缺报名单: units overseen (engine.access.unit_jurisdiction_clause scopes what each one sees).
        (Allow, "role:reviewer", "oversee"),
        (Allow, "role:admin", "oversee"),
        # 见习补贴拨付: reviewers with 拨付权限 (engine.access.payable_clause scopes what each one pays).
        (Allow, "perm:finance", "pay"),
        (Allow, Authenticated, "authenticated"),
        (Allow, Everyone, "public"),
    ]

    def __init__(self, request):
        self.request = request


class ItemResource:
    """An item of the catalogue; only the roles the definition names may use it."""

    def __init__(self, item):
        self.item = item

    @property
    def __acl__(self):
        # Definitions are public (the API documents the forms); using an item is for its roles only.
        return [(Allow, f"role:{role}", "use") for role in self.item.roles] + [(Allow, Everyone, "public")]


def item_factory(request):
    item = request.registry["catalogue"].item(request.matchdict["key"])
    if item is None:
        raise HTTPNotFound()
    return ItemResource(item)


def _granted(account, permissions) -> list:
    """An ACL granting exactly what engine.access answered for the signed-in account."""
    if account is None or not permissions:
        return []
    return [(Allow, f"account:{account.id}", tuple(sorted(permissions)))]


class CaseResource:
    """One case. Its ACL is engine.access's answer for the caller (owner, jurisdiction, drafts)."""

    def __init__(self, case: Case, account=None):
        self.case = case
        self.account = account

    @property
    def __acl__(self):
        return [*_granted(self.account, access.case_permissions(self.account, self.case)),
                (Deny, Everyone, ALL_PERMISSIONS)]


def case_factory(request):
    case_id = row_id(request.matchdict.get("id"))
    if case_id is None:
        raise HTTPNotFound()
    case = request.dbsession.scalar(select(Case).where(Case.id == case_id))
    if case is None:
        raise HTTPNotFound()
    return CaseResource(case, request.account)


class PositionResource:
    """A published position: public to read; managed by its unit, reviewed in its jurisdiction (engine.access)."""

    def __init__(self, position: Position, account=None):
        self.position = position
        self.account = account

    @property
    def __acl__(self):
        return [*_granted(self.account, access.position_permissions(self.account, self.position)),
                (Allow, Everyone, "public")]


def position_factory(request):
    position_id = row_id(request.matchdict.get("id"))
    if position_id is None:
        raise HTTPNotFound()
    position = request.dbsession.get(Position, position_id)
    if position is None:
        raise HTTPNotFound()
    return PositionResource(position, request.account)
