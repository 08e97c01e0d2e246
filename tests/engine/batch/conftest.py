"""Shared by the batch tests that read imports back (records, page)."""
import pytest

from engine.accounts.passwords import hash_password
from engine.models import Account
from tests import factories as f


@pytest.fixture
def reporting_unit(dbsession, catalogue, storage):
    """An approved unit with one position "软件开发见习生", and a second account of the same unit."""
    account = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    f.approved_unit(dbsession, catalogue, storage, account, province)
    f.published_position(dbsession, catalogue, account, province, position_name="软件开发见习生", openings=50)
    colleague = Account(login_name="colleague01", role="unit", name="王五", mobile="13712345678",
                        password_hash=hash_password(f.PASSWORD), unit=account.unit)
    dbsession.add(colleague)
    dbsession.commit()
    return account, colleague
