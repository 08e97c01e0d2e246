"""A real OpenID provider on 127.0.0.1 for the unified-login tests: tests/oidc/provider.mjs (the npm package
`oidc-provider`, installed by `make test` with `npm ci`) run by Node, with accounts whose claims look like a
province's 政务服务网统一身份认证. `OidcProvider.settings()` is what an app needs to sign in through it."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
PASSWORD = "Tyrz2026!"
CLIENT_ID, CLIENT_SECRET = "jianxi", "jianxi-test-client-secret-0123456789"

# The province's claim names (a legal-person login, a natural-person login), as the ini maps them.
CLAIM_SETTINGS = {
    "jianxi.oidc.unit.scope": "openid legal_person",
    "jianxi.oidc.unit.claim.unit_name": "corp_name",
    "jianxi.oidc.unit.claim.credit_code": "uscc",
    "jianxi.oidc.unit.claim.operator_name": "agent_name",
    "jianxi.oidc.unit.claim.operator_id_number": "agent_idcard",
    "jianxi.oidc.individual.scope": "openid profile phone idcard",
    "jianxi.oidc.individual.claim.name": "name",
    "jianxi.oidc.individual.claim.id_number": "idcard",
    "jianxi.oidc.individual.claim.mobile": "phone_number",
}

UNIT = ("太原汾河数字科技有限公司", f.credit_code("91140105MA0K7PQ31"))
OTHER_UNIT = ("大同云岗新材料有限公司", f.credit_code("91140213MA0L9RT42"))
LIHONG = ("李红", f.id_number("14010519850312002"))
WANGFANG = ("王芳", f.id_number("14010819900721004"))
PERSON = ("张晓明", f.id_number("14010520010915003"), "13812345678")


def _operator(unit, person, sub):
    return {"password": PASSWORD, "sub": sub, "claims": {
        "corp_name": unit[0], "uscc": unit[1], "agent_name": person[0], "agent_idcard": person[1]}}


# login at the provider -> its subject and claims
ACCOUNTS = {
    "lihong": _operator(UNIT, LIHONG, "lp-0001-lihong"),
    "wangfang": _operator(UNIT, WANGFANG, "lp-0002-wangfang"),
    "lihong-other": _operator(OTHER_UNIT, LIHONG, "lp-0003-lihong"),
    "zhangxm": {"password": PASSWORD, "sub": "np-0001-zhangxm", "claims": {
        "name": PERSON[0], "idcard": PERSON[1], "phone_number": PERSON[2]}},
    # claims a province should never send: a wrong check character, a missing credit code, a bad ID number
    "badcode": _operator(("坏代码有限公司", UNIT[1][:17] + ("0" if UNIT[1][17] != "0" else "1")), WANGFANG,
                         "lp-0009-badcode"),
    "nocode": {"password": PASSWORD, "sub": "lp-0010-nocode", "claims": {
        "corp_name": "缺代码有限公司", "agent_name": "王芳", "agent_idcard": WANGFANG[1]}},
    "badperson": {"password": PASSWORD, "sub": "np-0009-bad", "claims": {
        "name": "赵六", "idcard": "140105200109150000", "phone_number": "12345"}},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OidcProvider:
    """One provider process; `redirect_uris` are the callbacks of the apps that sign in through it."""

    def __init__(self, redirect_uris: list[str], post_logout_uris: list[str]):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.redirect_uris, self.post_logout_uris = redirect_uris, post_logout_uris
        self.process = None
        self._dir = tempfile.TemporaryDirectory(prefix="jx-oidc-")

    def start(self) -> "OidcProvider":
        node = shutil.which("node")
        assert node, "Node.js is needed for the unified-login tests (apt-get install nodejs)"
        assert (ROOT / "node_modules" / "oidc-provider").is_dir(), "run `npm ci` (make test does) first"
        config = Path(self._dir.name) / "provider.json"
        config.write_text(json.dumps({"port": self.port, "accounts": ACCOUNTS, "clients": [{
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "client_name": "就业见习",
            "redirect_uris": self.redirect_uris, "post_logout_redirect_uris": self.post_logout_uris,
            "grant_types": ["authorization_code"], "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic"}]}, ensure_ascii=False), "utf-8")
        self._log = open(Path(self._dir.name) / "provider.log", "wb")
        self.process = subprocess.Popen([node, str(SCRIPT), str(config)], cwd=ROOT, stdout=self._log,
                                        stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", "NODE_ENV": "test"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the provider exited: {self.log()}"
            try:
                if requests.get(self.issuer + "/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the provider did not answer in time: {self.log()}")

    def log(self) -> str:
        path = Path(self._dir.name) / "provider.log"
        return path.read_text("utf-8", "replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None) is not None:
            self._log.close()
        self._dir.cleanup()

    def mode(self, **mode) -> dict:
        """What the provider answers from now on (tests/oidc/provider.mjs); no arguments: as it should."""
        return requests.post(self.issuer + "/test/mode", json=mode, timeout=5).json()

    def authorize(self, auth_url: str, login: str, password: str = PASSWORD, consent: bool = True,
                  browser: requests.Session | None = None) -> str:
        """What a person does at the provider (its login page, then its consent page): the address it sends
        them back to (the app's callback with code and state), not followed. `browser` keeps the provider's
        cookies between logins (its own session: a second login skips its login page)."""
        browser = browser or requests.Session()
        res = browser.get(auth_url, allow_redirects=False, timeout=5)
        for _ in range(12):
            location = res.headers.get("Location")
            if res.is_redirect and location and not location.startswith(("/", self.issuer)):
                return location
            if res.is_redirect:
                res = browser.get(requests.compat.urljoin(self.issuer, location), allow_redirects=False, timeout=5)
                continue
            assert res.status_code == 200, (res.status_code, res.text[:500])
            uid = res.url.rstrip("/").split("/interaction/")[1].split("/")[0]
            if 'name="password"' in res.text:
                res = browser.post(f"{self.issuer}/interaction/{uid}/login", data={"login": login, "password": password},
                                   allow_redirects=False, timeout=5)
                if res.status_code == 200:
                    return res.text   # the login page again: a wrong password
            elif consent:
                res = browser.post(f"{self.issuer}/interaction/{uid}/confirm", allow_redirects=False, timeout=5)
            else:
                res = browser.get(f"{self.issuer}/interaction/{uid}/abort", allow_redirects=False, timeout=5)
        raise AssertionError("the provider never sent the browser back")

    def settings(self, public_url: str, **over) -> dict:
        return {"jianxi.public_url": public_url, "jianxi.oidc.issuer": self.issuer,
                "jianxi.oidc.client_id": CLIENT_ID, "jianxi.oidc.client_secret": CLIENT_SECRET,
                "jianxi.oidc.timeout_seconds": "5", **CLAIM_SETTINGS, **over}


def begin(web, kind: str = "unit", came_from: str | None = None) -> str:
    """Press the unified login button (a WebTest client): the provider's authorization URL Jianxi sends to."""
    query = f"kind={kind}" + (f"&came_from={came_from}" if came_from else "")
    return web.app.get(f"/login/unified?{query}", status=303).location


def sign_in(web, provider: OidcProvider, login: str, kind: str = "unit", **kw):
    """The whole flow: Jianxi -> the provider's login and consent pages -> back to Jianxi's callback."""
    back = provider.authorize(begin(web, kind), login, **kw)
    return web.app.get(back, status="*")
