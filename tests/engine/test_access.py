"""engine.access's rule for what an account made itself (narrower than the owner rule), object and SQL."""
from sqlalchemy import select

from engine import access
from engine.accounts.passwords import hash_password
from engine.cases.lifecycle import save_draft
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


def test_a_position_is_taken_down_only_by_its_unit_or_its_jurisdiction(dbsession, catalogue, storage):
    import pytest

    from engine.errors import AccessDenied
    from engine.positions.takedown import take_down
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    unit = f.unit_account(dbsession)
    f.approved_unit(dbsession, catalogue, storage, unit, province)
    position = f.published_position(dbsession, catalogue, unit, province)
    other = f.unit_account(dbsession, name="另一家公司", mobile="13712345678")
    datong = f.reviewer(dbsession, login="datong", jurisdiction="140200", name="大同市审核员")
    for outsider, kind in ((other, "forbidden"), (datong, "not_found"), (None, "forbidden")):
        with pytest.raises(AccessDenied) as refused:
            take_down(dbsession, position, outsider, "不再招募")
        assert refused.value.kind == kind
        assert access.may_see_position(outsider, position)   # listed: public
    assert position.status == "open"
    take_down(dbsession, position, f.reviewer(dbsession, login="taiyuan", jurisdiction="140100"), "信息不实")
    assert position.status == "taken_down"
    assert not access.may_see_position(other, position) and not access.may_see_position(datong, position)
    assert access.may_see_position(unit, position) and access.may_see_position(province, position)


def test_the_units_overseen_are_the_jurisdiction_s_for_a_reviewer_and_all_for_an_administrator(dbsession):
    from engine.models import Unit
    s = dbsession
    places = {"小店": ("140100", "140105"), "迎泽": ("140100", "140106"), "大同": ("140200", "140213"),
              "未定": (None, None)}
    for name, (city, county) in places.items():
        located = f.unit_account(s, name=f"{name}有限公司").unit
        located.city_code, located.county_code = city, county
    staff = {"province": f.reviewer(s, "sheng", "140000"), "city": f.reviewer(s, "taiyuan", "140100"),
             "county": f.reviewer(s, "yingze", "140106"), "admin": f.admin(s)}
    unit = f.unit_account(s, name="自己有限公司")
    s.flush()

    def seen(account):
        return {n.removesuffix("有限公司") for n in s.scalars(
            select(Unit.name).where(access.unit_jurisdiction_clause(account), Unit.name != "自己有限公司"))}

    assert seen(staff["province"]) == seen(staff["admin"]) == {"小店", "迎泽", "大同", "未定"}
    assert seen(staff["city"]) == {"小店", "迎泽"}
    assert seen(staff["county"]) == {"迎泽"}
    assert seen(unit) == seen(None) == set()
    staff["city"].active = False
    assert seen(staff["city"]) == set()
