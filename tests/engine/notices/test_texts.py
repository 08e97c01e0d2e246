"""The message templates: every kind parses, its SMS carries nothing personal but a masked name, empty lines go."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from engine import declarations
from engine.masking import mask_name
from engine.notices.texts import SMS_PARAMS, TemplateError, kinds, parse, template

EXPECTED_KINDS = {"case_result", "case_receipt", "case_waiting", *declarations.ITEM_EVENTS}


def test_there_is_a_template_for_every_kind_of_notice_the_engine_raises():
    assert set(kinds()) == EXPECTED_KINDS
    for kind in kinds():
        t = template(kind)
        assert t.sections["title"] and t.sections["body"] and t.sections["sms"]
        assert set(t.fields("sms")) <= SMS_PARAMS


def test_a_line_with_an_empty_parameter_is_left_out():
    t = parse("x", "[title]\n{a}\n[body]\n第一行{a}\n意见：{comment}\n最后一行\n")
    assert t.render("body", {"a": "甲", "comment": ""}) == "第一行甲\n最后一行"
    assert t.render("body", {"a": "甲", "comment": "请补充"}) == "第一行甲\n意见：请补充\n最后一行"


def test_an_sms_may_not_carry_free_text_or_ids():
    with pytest.raises(TemplateError, match="comment"):
        parse("x", "[title]\n{a}\n[body]\n{a}\n[sms]\n原因：{comment}\n")
    with pytest.raises(TemplateError):
        parse("x", "[title]\n{a}\n[body]\n{a}\n[email]\n{a}\n")


@pytest.mark.parametrize("name,masked", [("张晓明", "张*明"), ("李红", "李*"), ("欧阳晓明", "欧**明"), ("王", "*"),
                                         ("", ""), ("  赵一  ", "赵*")])
def test_names_are_masked_in_sms(name, masked):
    assert mask_name(name) == masked


def test_sms_params_mask_the_name_and_keep_only_what_the_template_names():
    params = template("case_result").sms_params({"name": "王晓明", "item_title": "就业见习单位申请",
                                                 "reference": "JX-1", "result": "退回修改", "comment": "身份证号140105…",
                                                 "owner_name": "某公司"})
    assert params == {"name": "王*明", "item_title": "就业见习单位申请", "reference": "JX-1", "result": "退回修改"}


def test_the_meta_schemas_offer_the_channels_the_engine_has():
    for name in ("item", "workflow"):
        doc = json.loads(resources.files("engine.metaschema").joinpath(f"{name}.json").read_text("utf-8"))
        assert tuple(doc["$defs"]["channels"]["items"]["enum"]) == declarations.CHANNELS
