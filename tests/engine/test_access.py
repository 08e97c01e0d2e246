"""engine.access's rule for what an account made itself (narrower than the owner rule), object and SQL."""
from sqlalchemy import select

from engine import access
from engine.accounts.passwords import hash_password
from engine.cases import save_draft
from engine.models import Account, Case
from tests import factories as f


def test_made_by_is_the_account_that_made_it_not_its_unit(dbsession, catalogue):
    account = f.unit_account(dbsession)
    colleague = Account(login_name="colleague01", role="unit", name="王五", mobile="13712345678",
                        password_hash=hash_password(f.PASSWORD), unit=account.unit)
    dbsession.add(colleague)
    case = save_draft(dbsession, catalogue, catalogue.item("unit_application"), account, {})
    assert access.owns(colleague, case) and access.owns(account, case)
    assert access.made_by(account, case) and not access.made_by(colleague, case) and not access.made_by(None, case)
    account.active = False
    assert not access.made_by(account, case)
    mine = select(Case.id).where(access.made_by_clause(account, Case))
    theirs = select(Case.id).where(access.made_by_clause(colleague, Case))
    assert (dbsession.scalars(mine).all(), dbsession.scalars(theirs).all()) == ([case.id], [])
