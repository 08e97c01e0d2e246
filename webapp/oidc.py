"""The OpenID Connect client of the unified login (政务服务网统一身份认证): Authlib over requests.

Authlib does the protocol: the provider's discovery document and JWKS (fetched again when a token names a
key it does not have: key rotation), the authorization URL with `state`, `nonce` and a PKCE S256 challenge,
the code exchange, the ID token's signature (joserfc, the algorithms the provider announces) and its
claims. We add what Authlib leaves to the application: the audience is our client id, `exp`/`iat`/`nbf`
are read against engine.clock with a bounded leeway, the nonce is the one this session sent, and a
userinfo answer belongs to the token's subject. The settings are engine.accounts.oidc_config's.

Every failure of the provider or of its answers is a `ProviderFailure` with a Chinese message the login
error page shows (webapp/views/oidc.py); none is a 500.
"""
from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc.errors import JoseError

from engine import clock
from engine.accounts.oidc_config import OidcConfig

log = logging.getLogger(__name__)

ID_TOKEN = "unified_id_token"   # session: the ID token of the signed-in login (for logout at the provider)
METADATA_TTL = 3600   # the discovery document (and with it the JWKS) is read again after an hour


class ProviderFailure(Exception):
    """The provider could not be reached, or its answer cannot be trusted; `reason` says which for the log."""

    def __init__(self, kind: str, message: str, reason: str = ""):
        super().__init__(f"{kind}: {reason or message}")
        self.kind = kind          # unavailable, denied, code, token
        self.message = message
        self.reason = reason


UNAVAILABLE = "政务服务网统一身份认证暂时无法访问，请稍后再试"


class _IDToken(CodeIDToken):
    """Authlib's ID token claims, with `now` from engine.clock (so skew is measured against our one clock)."""

    def validate(self, now=None, leeway=0):
        super().validate(now=int(clock.now().timestamp()), leeway=leeway)


class _NoFramework:
    """Authlib's framework hooks: tokens are not kept after sign-in, so there is nothing to update."""

    def update_token(self, *args, **kwargs):
        pass


class Client(OAuth2Mixin, OpenIDMixin, BaseApp):
    client_cls = OAuth2Session

    def __init__(self, config: OidcConfig):
        self.config = config
        super().__init__(
            _NoFramework(), name="unified", client_id=config.client_id, client_secret=config.client_secret or None,
            server_metadata_url=config.discovery_url,
            client_kwargs={"code_challenge_method": "S256", "default_timeout": config.timeout,
                           "token_endpoint_auth_method": config.token_auth})

    def load_server_metadata(self):
        loaded = self.server_metadata.get("_loaded_at")
        if loaded is not None and time.time() - loaded > METADATA_TTL:
            self.server_metadata.clear()
        return super().load_server_metadata()

    def _call(self, what: str, fn, *args, **kwargs):
        """A call to the provider; network trouble and unreadable answers become ProviderFailure."""
        try:
            return fn(*args, **kwargs)
        except (requests.RequestException, ValueError, KeyError, RuntimeError) as e:
            log.warning("unified login: %s failed: %r", what, e)
            raise ProviderFailure("unavailable", UNAVAILABLE, f"{what}: {e!r}") from None

    def start(self, kind: str) -> dict:
        """The authorization URL for this kind, and what the callback needs: state, nonce, code_verifier."""
        settings = self.config.kinds[kind]
        metadata = self._call("discovery", self.load_server_metadata)
        if metadata.get("issuer", "").rstrip("/") != self.config.issuer:
            raise ProviderFailure("unavailable", UNAVAILABLE, f"issuer {metadata.get('issuer')!r} is not the configured one")
        return self._call("authorization url", self.create_authorization_url, self.config.redirect_uri,
                          scope=settings.scope, **settings.params)

    def finish(self, code: str, pending: dict) -> tuple[dict, dict]:
        """Exchange the code, check the ID token and read the claims: (token, claims)."""
        try:
            token = self._call("token", self.fetch_access_token, self.config.redirect_uri, code=code,
                               code_verifier=pending["code_verifier"])
        except AuthlibBaseError as e:   # the provider's own refusal: invalid_grant (used, expired) and the like
            log.warning("unified login: token endpoint refused the code: %s", e)
            raise ProviderFailure("code", "登录凭证已失效（已被使用或已过期），请重新登录", str(e)) from None
        if not token.get("id_token"):
            raise ProviderFailure("token", "统一身份认证没有返回身份令牌，无法登录", "no id_token")
        claims = self._id_token(token, pending["nonce"])
        if self.config.userinfo and self.load_server_metadata().get("userinfo_endpoint"):
            info = self._call("userinfo", self.userinfo, token=token)
            if info.get("sub") != claims.get("sub"):
                raise ProviderFailure("token", "统一身份认证返回的用户信息与身份令牌不一致，无法登录", "userinfo sub differs")
            claims = {**info, **{k: v for k, v in claims.items() if k not in info}}
        return token, claims

    def _id_token(self, token: dict, nonce: str) -> dict:
        options = {"iss": {"essential": True, "values": [self.config.issuer]},
                   "aud": {"essential": True, "values": [self.config.client_id]},
                   "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}
        try:
            return dict(self._call("id token", self.parse_id_token, token, nonce, claims_options=options,
                                   claims_cls=_IDToken, leeway=self.config.leeway))
        except (JoseError, AuthlibBaseError) as e:
            log.warning("unified login: ID token refused: %r", e)
            raise ProviderFailure("token", "身份令牌校验未通过（签名、签发方、受众、有效期或随机数不符），无法登录",
                                  repr(e)) from None

    def logout_url(self, id_token: str) -> str | None:
        """RP-initiated logout at the provider, back to our home page; None if the provider offers none."""
        try:
            metadata = self.load_server_metadata()
        except (requests.RequestException, ValueError) as e:
            log.warning("unified login: discovery failed at logout: %r", e)
            return None
        if not metadata.get("end_session_endpoint"):
            return None
        return self.create_logout_url(post_logout_redirect_uri=self.config.post_logout_redirect_uri or None,
                                      id_token_hint=id_token, client_id=self.config.client_id)["url"]


def unified(request) -> OidcConfig:
    """The unified login's settings (read once at start-up)."""
    return request.registry["oidc_config"]


def client(request) -> Client:
    return request.registry["oidc_client"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def form_action_origins(registry) -> tuple[str, ...]:
    """Where a form of ours may lead besides our own origin: the provider's logout (RP-initiated logout
    answers 退出 with a redirect there, and a form's redirects are bound by CSP form-action)."""
    oidc = registry.get("oidc_client")
    if oidc is None or not oidc.config.logout_at_provider:
        return ()
    origins = {_origin(oidc.config.issuer)}
    if end := oidc.server_metadata.get("end_session_endpoint"):
        origins.add(_origin(end))
    return tuple(sorted(origins))


def provider_logout_url(request) -> str | None:
    """Where the browser goes once our session has ended, to end the provider's too (None: stay here)."""
    config = unified(request)
    id_token = request.session.get(ID_TOKEN)
    if not id_token or not config.enabled or not config.logout_at_provider:
        return None
    return client(request).logout_url(id_token)


def includeme(config):
    from engine.accounts.oidc_config import ConfigError, from_settings
    settings = config.get_settings()
    try:
        oidc = from_settings(settings)
    except ConfigError as e:
        raise SystemExit(f"统一身份认证配置有误：{e}") from None
    config.registry["oidc_config"] = oidc
    config.registry["oidc_client"] = Client(oidc) if oidc.enabled else None
