"""The unified login's settings (政务服务网统一身份认证, OpenID Connect), read from the ini in one place.

Which provider, which client, which scopes, and the claim mapping: the claims a province's provider names
单位名称, 统一社会信用代码, the operator's name and ID number (a legal-person login) or a person's name, 身份证号
and mobile (a natural-person login) differ between provinces, so each is a setting (docs/operations.md).
Also whether local password login stays on for units and for individuals (staff always keep it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

KINDS = ("unit", "individual")
KIND_LABELS = {"unit": "法人（单位）", "individual": "自然人（个人）"}

# What each kind of login must carry, by our name for it: (name, label, required).
CLAIMS = {
    "unit": (("unit_name", "单位名称", True), ("credit_code", "统一社会信用代码", True),
             ("operator_name", "经办人姓名", True), ("operator_id_number", "经办人身份证号", True),
             ("operator_mobile", "经办人手机号", False)),
    "individual": (("name", "姓名", True), ("id_number", "身份证号", True), ("mobile", "手机号", True)),
}

DEFAULT_LABEL = "政务服务网统一身份认证登录"
MAX_LEEWAY = 300        # clock skew tolerated on exp/iat/nbf, in seconds: bounded, whatever the ini says
PENDING_MAX_AGE = 600   # seconds a started login may take at the provider before its state is refused


class ConfigError(ValueError):
    """A setting that cannot work: start-up stops with this message."""


@dataclass(frozen=True)
class KindConfig:
    kind: str
    scope: str
    params: dict[str, str]            # extra authorization request parameters (a province's login type ...)
    claims: dict[str, str]            # our name -> the provider's claim name (a dotted path for nested claims)

    def claim_label(self, name: str) -> str:
        return next(label for key, label, _ in CLAIMS[self.kind] if key == name)


@dataclass(frozen=True)
class OidcConfig:
    issuer: str = ""
    discovery_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    token_auth: str = "client_secret_basic"
    redirect_uri: str = ""
    post_logout_redirect_uri: str = ""
    logout_at_provider: bool = True
    userinfo: bool = True
    leeway: int = 60
    timeout: float = 10.0
    label: str = DEFAULT_LABEL
    kinds: dict[str, KindConfig] = field(default_factory=dict)
    local_login: dict[str, bool] = field(default_factory=lambda: {k: True for k in KINDS})

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.kinds)

    def offers(self, kind: str) -> bool:
        """Whether the login page offers the unified login for this kind (unit, individual)."""
        return self.enabled and kind in self.kinds

    def local(self, kind: str) -> bool:
        """Whether local password login (and self-registration) is on for this kind; staff always keep it."""
        return self.local_login.get(kind, True)


def _flag(value, name: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} 须为 true 或 false，而不是 {value!r}")


def _number(value, name: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} 须为数字，而不是 {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} 须在 {low:g} 到 {high:g} 之间")
    return number


def _params(text: str, name: str) -> dict[str, str]:
    """Extra authorization parameters written as `a=b c=d` (or one per line)."""
    out = {}
    for part in (text or "").split():
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise ConfigError(f"{name} 的每一项须写作 名称=值，而不是 {part!r}")
        out[key] = value
    return out


def _kind(settings: dict, kind: str) -> KindConfig:
    prefix = f"jianxi.oidc.{kind}."
    scope = " ".join((settings.get(prefix + "scope") or "openid").split())
    if "openid" not in scope.split():
        raise ConfigError(f"{prefix}scope 须包含 openid")
    claims = {}
    for name, label, required in CLAIMS[kind]:
        claim = (settings.get(f"{prefix}claim.{name}") or "").strip()
        if claim:
            claims[name] = claim
        elif required:
            raise ConfigError(f"未配置{KIND_LABELS[kind]}登录的声明“{label}”：{prefix}claim.{name}")
    return KindConfig(kind, scope, _params(settings.get(prefix + "params", ""), prefix + "params"), claims)


def from_settings(settings: dict, environ=None) -> OidcConfig:
    """The unified login's settings; jianxi.oidc.issuer empty means it is off (and local login is all there is)."""
    environ = os.environ if environ is None else environ
    local = {k: _flag(settings.get(f"jianxi.login.local_{k}", "true"), f"jianxi.login.local_{k}") for k in KINDS}
    issuer = (settings.get("jianxi.oidc.issuer") or "").strip().rstrip("/")
    if not issuer:
        if not all(local.values()):
            raise ConfigError("关闭本地密码登录前须先配置统一身份认证（jianxi.oidc.issuer）")
        return OidcConfig(local_login=local)
    kinds_text = settings.get("jianxi.oidc.kinds") or " ".join(KINDS)
    names = kinds_text.split()
    if not names or any(k not in KINDS for k in names):
        raise ConfigError(f"jianxi.oidc.kinds 只能列出 unit、individual，而不是 {kinds_text!r}")
    for kind in KINDS:
        if not local[kind] and kind not in names:
            raise ConfigError(f"关闭{KIND_LABELS[kind]}的本地密码登录前，须在 jianxi.oidc.kinds 中启用其统一身份认证")
    client_id = (settings.get("jianxi.oidc.client_id") or "").strip()
    if not client_id:
        raise ConfigError("已配置 jianxi.oidc.issuer，但未配置 jianxi.oidc.client_id")
    public = (settings.get("jianxi.public_url") or "").strip().rstrip("/")
    redirect = (settings.get("jianxi.oidc.redirect_uri") or "").strip() or (
        f"{public}/login/unified/callback" if public else "")
    if not redirect:
        raise ConfigError("须配置 jianxi.oidc.redirect_uri 或 jianxi.public_url（回调地址由此得出）")
    token_auth = (settings.get("jianxi.oidc.token_auth") or "client_secret_basic").strip()
    if token_auth not in ("client_secret_basic", "client_secret_post"):
        raise ConfigError("jianxi.oidc.token_auth 须为 client_secret_basic 或 client_secret_post")
    return OidcConfig(
        issuer=issuer,
        discovery_url=(settings.get("jianxi.oidc.discovery_url") or "").strip()
        or f"{issuer}/.well-known/openid-configuration",
        client_id=client_id,
        client_secret=environ.get("JIANXI_OIDC_CLIENT_SECRET") or settings.get("jianxi.oidc.client_secret") or "",
        token_auth=token_auth,
        redirect_uri=redirect,
        post_logout_redirect_uri=(settings.get("jianxi.oidc.post_logout_redirect_uri") or "").strip()
        or (f"{public}/" if public else ""),
        logout_at_provider=_flag(settings.get("jianxi.oidc.logout_at_provider", "true"),
                                 "jianxi.oidc.logout_at_provider"),
        userinfo=_flag(settings.get("jianxi.oidc.userinfo", "true"), "jianxi.oidc.userinfo"),
        leeway=int(_number(settings.get("jianxi.oidc.leeway_seconds", 60), "jianxi.oidc.leeway_seconds",
                           0, MAX_LEEWAY)),
        timeout=_number(settings.get("jianxi.oidc.timeout_seconds", 10), "jianxi.oidc.timeout_seconds", 1, 60),
        label=(settings.get("jianxi.oidc.label") or DEFAULT_LABEL).strip(),
        kinds={k: _kind(settings, k) for k in KINDS if k in names},
        local_login=local,
    )
