"""engine.db: what a database error says."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from engine.masking import redact_text
from engine.models import Account
from tests import factories as f


def test_a_database_error_does_not_carry_the_values_bound_to_it(dbsession):
    """Its text reaches the server log: no ID number, mobile or password hash in it (docs/privacy.md)."""
    id_number = f.new_id_number()
    f.individual_account(dbsession, id_no=id_number)
    dbsession.commit()
    dbsession.add(Account(login_name=id_number, role="individual", name="重复", id_number=id_number,
                          mobile="15912340077", password_hash="$argon2id$secret-hash"))
    with pytest.raises(IntegrityError) as e:
        dbsession.flush()
    dbsession.rollback()
    text = str(e.value)
    assert "accounts" in text and "hidden" in text
    assert "15912340077" not in text and "secret-hash" not in text
    # PostgreSQL itself names the conflicting key ("Key (login_name)=(…) already exists"): the server
    # log's filter (webapp/logs.py) masks it like any ID number in a log line.
    assert id_number not in redact_text(text)
