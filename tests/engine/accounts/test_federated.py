"""engine.accounts.federated: the claims of a unified login, mapped, checked and turned into an account."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.accounts.agents import invite
from engine.accounts.federated import LoginRefused, agent_login_name, claim_value, read_claims, sign_in
from engine.accounts.oidc_config import from_settings
from engine.accounts.passwords import verify_password
from engine.models import Account, Identity, Unit
from tests import factories as f
from tests.oidc_provider import CLAIM_SETTINGS, LIHONG, PERSON, UNIT, WANGFANG

CONFIG = from_settings({"jianxi.public_url": "https://j.test", "jianxi.oidc.issuer": "https://op.test",
                        "jianxi.oidc.client_id": "jianxi", **CLAIM_SETTINGS,
                        "jianxi.oidc.unit.claim.credit_code": "legal.uscc"}, environ={})
UNIT_KIND, PERSON_KIND = CONFIG.kinds["unit"], CONFIG.kinds["individual"]


def operator(person=LIHONG, unit=UNIT, **over):
    return {"sub": f"sub-{person[1]}", "corp_name": unit[0], "legal": {"uscc": unit[1]}, "agent_name": person[0],
            "agent_idcard": person[1], **over}


def rows(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_dotted_claim_name_reads_a_nested_claim_and_a_flat_name_wins():
    assert claim_value({"legal": {"uscc": "A"}}, "legal.uscc") == "A"
    assert claim_value({"legal.uscc": "B", "legal": {"uscc": "A"}}, "legal.uscc") == "B"
    assert claim_value({"legal": "x"}, "legal.uscc") is None


def test_claims_are_normalised_and_every_problem_is_listed():
    values = read_claims(UNIT_KIND, operator(agent_idcard=" " + LIHONG[1].lower() + " ",
                                             legal={"uscc": UNIT[1][:9] + " " + UNIT[1][9:]}))
    assert values["operator_id_number"] == LIHONG[1] and values["credit_code"] == UNIT[1]
    with pytest.raises(LoginRefused) as e:
        read_claims(UNIT_KIND, {"corp_name": "", "legal": {"uscc": 91140105}, "agent_name": "王\x07芳",
                                "agent_idcard": "1401"})
    assert e.value.problems == ["缺少单位名称（声明 corp_name）", "统一社会信用代码格式有误（声明 legal.uscc 应为文本）",
                                "经办人姓名含有无法识别的控制字符", "经办人身份证号应为18位，当前为4位"]


def test_a_new_unit_and_its_first_person_are_made_from_the_claims(dbsession):
    result = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-1", operator())
    account = result.account
    assert result.created and not result.joined
    assert (account.unit.name, account.unit.credit_code, account.name, account.unit_admin) == (UNIT[0], UNIT[1],
                                                                                               "李红", True)
    assert account.login_name == agent_login_name(UNIT[1], LIHONG[1]) and len(account.login_name) <= 64
    assert not verify_password(account.password_hash, "")
    # the same login again: the same account, the identity's last login moved
    again = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-1", operator())
    assert again.account.id == account.id and not again.created
    assert (rows(dbsession, Unit), rows(dbsession, Account), rows(dbsession, Identity)) == (1, 1, 1)


def test_one_person_may_act_for_two_units(dbsession):
    other = ("大同某某有限公司", f.new_credit_code())
    a = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-1", operator()).account
    b = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-1", operator(unit=other)).account
    assert a.id != b.id and a.unit_id != b.unit_id and rows(dbsession, Identity) == 2


def test_a_second_person_needs_an_invitation(dbsession):
    admin = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-1", operator()).account
    with pytest.raises(LoginRefused, match="尚未被") as e:
        sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-2", operator(WANGFANG))
    assert e.value.kind == "forbidden" and rows(dbsession, Account) == 1
    invite(dbsession, admin, WANGFANG[1], "王芳")
    joined = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-2", operator(WANGFANG))
    assert joined.joined and not joined.account.unit_admin and joined.account.unit_id == admin.unit_id


def test_a_removed_person_comes_back_only_when_invited_again(dbsession):
    from engine.accounts.agents import remove_agent
    admin = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-1", operator()).account
    invite(dbsession, admin, WANGFANG[1], "王芳")
    agent = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-2", operator(WANGFANG)).account
    remove_agent(dbsession, admin, agent.id)
    with pytest.raises(LoginRefused, match="不再是"):
        sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-2", operator(WANGFANG))
    invite(dbsession, admin, WANGFANG[1], "王芳")
    back = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-2", operator(WANGFANG)).account
    assert back.id == agent.id and back.active and not back.unit_admin


def test_a_unit_registered_with_a_password_gets_its_first_unified_person_as_administrator_too(dbsession):
    local = f.unit_account(dbsession, name=UNIT[0], code=UNIT[1])
    person = sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-2", operator(WANGFANG)).account
    assert person.unit_id == local.unit_id and person.unit_admin and local.unit_admin
    # now a unified-login person administers it: the next one needs an invitation
    with pytest.raises(LoginRefused, match="尚未被"):
        sign_in(dbsession, UNIT_KIND, "https://op.test", "sub-1", operator())


def test_an_individual_is_linked_by_id_number_or_made(dbsession):
    claims = {"sub": "np-1", "name": PERSON[0], "idcard": PERSON[1], "phone_number": "+86 138-1234-5678"}
    made = sign_in(dbsession, PERSON_KIND, "https://op.test", "np-1", claims)
    assert made.created and (made.account.login_name, made.account.mobile) == (PERSON[1], "13812345678")
    other = f.individual_account(dbsession, name="王小丽")
    linked = sign_in(dbsession, PERSON_KIND, "https://op.test", "np-2",
                     {"name": "王小丽", "idcard": other.login_name, "phone_number": "13912345678"})
    assert linked.account.id == other.id and not linked.created and other.mobile == "13812345678"


def test_refusals(dbsession):
    # an ID number that is another kind of account's login (a staff user name), and a disabled individual
    staff = f.reviewer(dbsession, login=f.new_id_number())
    with pytest.raises(LoginRefused, match="其他类型"):
        sign_in(dbsession, PERSON_KIND, "https://op.test", "np-1",
                {"name": "某", "idcard": staff.login_name, "phone_number": "13812345678"})
    person = f.individual_account(dbsession)
    person.active = False
    with pytest.raises(LoginRefused, match="已停用"):
        sign_in(dbsession, PERSON_KIND, "https://op.test", "np-2",
                {"name": "某", "idcard": person.login_name, "phone_number": "13812345678"})
    with pytest.raises(LoginRefused, match="sub"):
        sign_in(dbsession, PERSON_KIND, "https://op.test", "", {"name": "某"})
    assert rows(dbsession, Identity) == 0
