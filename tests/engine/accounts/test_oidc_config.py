"""engine.accounts.oidc_config: the unified login's settings, and every setting that cannot work stopping start-up."""
from __future__ import annotations

import pytest

from engine.accounts.oidc_config import MAX_LEEWAY, ConfigError, from_settings
from tests.oidc_provider import CLAIM_SETTINGS

BASE = {"jianxi.public_url": "https://jianxi.example.gov.cn", "jianxi.oidc.issuer": "https://tyrz.example.gov.cn/oidc/",
        "jianxi.oidc.client_id": "jianxi", **CLAIM_SETTINGS}


def test_without_an_issuer_it_is_off_and_local_login_is_all_there_is():
    config = from_settings({}, environ={})
    assert not config.enabled and not config.offers("unit") and config.local("unit") and config.local("individual")


def test_a_full_configuration():
    config = from_settings({**BASE, "jianxi.oidc.unit.params": "user_type=legal  acr=L2",
                            "jianxi.login.local_unit": "false"}, environ={"JIANXI_OIDC_CLIENT_SECRET": "s3cret"})
    assert config.issuer == "https://tyrz.example.gov.cn/oidc"
    assert config.discovery_url == "https://tyrz.example.gov.cn/oidc/.well-known/openid-configuration"
    assert config.redirect_uri == "https://jianxi.example.gov.cn/login/unified/callback"
    assert config.post_logout_redirect_uri == "https://jianxi.example.gov.cn/"
    assert config.client_secret == "s3cret" and config.leeway == 60
    assert config.kinds["unit"].params == {"user_type": "legal", "acr": "L2"}
    assert config.kinds["unit"].claims["credit_code"] == "uscc" and config.kinds["individual"].claims["mobile"]
    assert not config.local("unit") and config.local("individual") and config.offers("individual")


@pytest.mark.parametrize("over,message", [
    ({"jianxi.oidc.client_id": ""}, "client_id"),
    ({"jianxi.oidc.unit.claim.credit_code": ""}, "统一社会信用代码"),
    ({"jianxi.oidc.individual.scope": "profile"}, "须包含 openid"),
    ({"jianxi.oidc.kinds": "unit company"}, "jianxi.oidc.kinds"),
    ({"jianxi.oidc.kinds": "unit", "jianxi.login.local_individual": "false"}, "关闭自然人"),
    ({"jianxi.oidc.leeway_seconds": str(MAX_LEEWAY + 1)}, "leeway_seconds"),
    ({"jianxi.oidc.leeway_seconds": "soon"}, "须为数字"),
    ({"jianxi.oidc.unit.params": "legal"}, "名称=值"),
    ({"jianxi.oidc.token_auth": "private_key_jwt"}, "token_auth"),
    ({"jianxi.login.local_unit": "perhaps"}, "true 或 false"),
    ({"jianxi.public_url": ""}, "redirect_uri"),
])
def test_a_setting_that_cannot_work_is_refused_with_its_name(over, message):
    with pytest.raises(ConfigError, match=message):
        from_settings({**BASE, **over}, environ={})


def test_local_login_cannot_be_switched_off_without_the_unified_login():
    with pytest.raises(ConfigError, match="jianxi.oidc.issuer"):
        from_settings({"jianxi.login.local_unit": "false"}, environ={})


def test_a_broken_setting_stops_the_app(app_settings, catalogue):
    from webapp import make_app
    with pytest.raises(SystemExit, match="统一身份认证配置有误"):
        make_app({**app_settings, **BASE, "jianxi.oidc.client_id": ""}, catalogue)
