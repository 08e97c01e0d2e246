"""Route contexts with ACLs: who may view, edit or review a case, and who may use an item."""
from __future__ import annotations

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select

from engine.models import Case, Position, row_id
from webapp.security import enclosing_regions


class Root:
    __acl__ = [
        (Allow, "role:unit", "unit"),
        (Allow, "role:individual", "individual"),
        (Allow, "role:reviewer", "reviewer"),
        (Allow, "role:admin", "admin"),
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


class CaseResource:
    def __init__(self, case: Case):
        self.case = case

    @property
    def __acl__(self):
        case = self.case
        owner = f"unit:{case.unit_id}" if case.unit_id else f"account:{case.account_id}"
        # "read" (files, print) is shared by the owner and the reviewers of the case's jurisdiction.
        acl = [(Allow, owner, ("view", "edit", "transition", "read"))]
        for code in enclosing_regions(case.county_code, case.city_code):
            acl.append((Allow, f"region:{code}", ("review", "transition", "read")))
        acl.append((Deny, Everyone, ALL_PERMISSIONS))
        return acl


def case_factory(request):
    case_id = row_id(request.matchdict.get("id"))
    if case_id is None:
        raise HTTPNotFound()
    case = request.dbsession.scalar(select(Case).where(Case.id == case_id))
    if case is None:
        raise HTTPNotFound()
    return CaseResource(case)


class PositionResource:
    def __init__(self, position: Position):
        self.position = position

    @property
    def __acl__(self):
        acl = [(Allow, f"unit:{self.position.unit_id}", ("manage",)),
               (Allow, Everyone, "public")]
        p = self.position
        for code in enclosing_regions(p.county_code, p.city_code):
            acl.append((Allow, f"region:{code}", ("review",)))
        return acl


def position_factory(request):
    position_id = row_id(request.matchdict.get("id"))
    if position_id is None:
        raise HTTPNotFound()
    position = request.dbsession.get(Position, position_id)
    if position is None:
        raise HTTPNotFound()
    return PositionResource(position)
