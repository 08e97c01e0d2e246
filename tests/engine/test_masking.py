"""engine.masking: the one home of the masks every page, JSON body, workbook and log line uses."""
from __future__ import annotations

from engine import masking as m


def test_mask_id():
    assert m.mask_id("140105199001011234") == "1401**********1234"
    assert m.mask_id(" 14010519900101123x ") == "1401**********123X"
    for short in ["12345678", "1234", "123", "12", "1", "abcdefghij"]:
        masked = m.mask_id(short)
        assert len(masked) == len(short)
        assert masked != short
        assert "*" in masked
    assert m.mask_id("12345678") == "12****78"
    assert m.mask_id("") == ""
    assert m.mask_id(None) == ""


def test_mask_mobile():
    assert m.mask_mobile("13812345678") == "138****5678"
    assert m.mask_mobile("+86 138 1234 5678") == "138****5678"
    assert m.mask_mobile("1381234") != "1381234"
    assert m.mask_mobile(None) == ""


def test_a_record_is_masked_by_its_fields_formats(catalogue):
    item = catalogue.item("match_report")
    data = {"name": "张三", "id_number": "140105199001011234", "mobile": "13812345678", "major": "会计学"}
    assert m.masked_fields(item) == {"id_number": "id", "mobile": "mobile"}
    assert m.masked_record(item, data) == {"name": "张三", "id_number": "1401**********1234",
                                           "mobile": "138****5678", "major": "会计学"}
    assert data["id_number"] == "140105199001011234"   # the stored record is untouched
    assert m.masked_record(item, {"id_number": None, "mobile": ""}) == {"id_number": None, "mobile": ""}


def test_only_an_individuals_login_is_masked():
    assert m.shown_login("individual", "140105199001011234") == "1401**********1234"
    assert m.shown_login("unit", "91140105MA0000001X") == "91140105MA0000001X"
    assert m.shown_login("reviewer", "taiyuan") == "taiyuan"
    assert m.shown_login("individual", None) == ""


def test_id_numbers_inside_free_text_are_masked():
    text = "用户 140105199001011234 与 14010519900101123x、旧证 140105900101123 登录；账号 6222021234567890123 不变"
    assert m.redact_text(text) == ("用户 1401**********1234 与 1401**********123X、旧证 140*********123 登录；"
                                   "账号 6222021234567890123 不变")
    assert m.redact_text("身份证号140105199001011234有误") == "身份证号1401**********1234有误"
    assert m.redact_text(None) == "" and m.redact_text("") == ""
