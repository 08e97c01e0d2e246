// A real OpenID provider for the test suite: the certified `oidc-provider` package on 127.0.0.1, set up like
// a province's 政务服务网统一身份认证 (legal-person and natural-person accounts whose claims carry 单位名称,
// 统一社会信用代码, the operator's name and ID number, or a person's name, 身份证号 and mobile).
//
// Started by tests/oidc_provider.py with one argument: a JSON file {port, clients, accounts}. Its own login and
// consent pages are the minimal Chinese ones below (the package's devInteractions accept any password).
// Only for tests, /test/mode changes what the provider answers, so the suite can see Jianxi refuse it:
//   {"id_token": "ok" | "rotated" | "foreign_key" | "payload" | "wrong_aud" | "wrong_iss" | "wrong_nonce"
//                | "shift", "seconds": n, "code_ttl": seconds, "userinfo_sub": "other"}
import { readFileSync } from 'node:fs';
import http from 'node:http';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

// The provider signs with key A; "rotated" signs with B and publishes both; "foreign_key" signs with C, never published.
const keys = { A: await signingKey('key-a'), B: await signingKey('key-b'), C: await signingKey('key-c') };
const publicJwk = ({ d, p, q, dp, dq, qi, ...pub }) => pub;   // eslint-disable-line no-unused-vars
const mode = { id_token: 'ok', seconds: 0, code_ttl: 60, userinfo_sub: null };

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>${esc(title)} - 山西政务服务网统一身份认证（测试）</title></head>
<body><header><strong>山西政务服务网 · 统一身份认证平台（测试）</strong></header><main>${body}</main></body></html>`;

async function logoutSource(ctx, form) {
  ctx.body = page('退出登录', `<h1>确认退出统一身份认证？</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">确认退出</button>
<button type="submit" form="op.logoutForm">暂不退出</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('已退出', '<h1>您已退出统一身份认证</h1>');
}

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [keys.A] },
  cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
  pkce: { required: () => true },
  scopes: ['openid', 'legal_person', 'profile', 'phone', 'idcard'],
  claims: {
    openid: ['sub'],
    legal_person: ['corp_name', 'uscc', 'agent_name', 'agent_idcard'],
    profile: ['name'],
    phone: ['phone_number'],
    idcard: ['idcard'],
  },
  async findAccount(ctx, sub) {   // the subject is the account id (sub) of the login
    const account = Object.values(config.accounts).find((a) => a.sub === sub);
    if (!account) return undefined;
    return { accountId: sub, async claims() { return { sub, ...account.claims }; } };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
  },
  ttl: {
    AuthorizationCode: () => mode.code_ttl,
    AccessToken: 600, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600,
  },
});

const b64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

async function resign(payload, jwk) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' }).sign(jwk);
}

// What the test modes change in the token endpoint's answer, the JWKS and userinfo.
async function tamper(idToken) {
  const [header, body, signature] = idToken.split('.');
  const payload = b64json(body);
  const now = Math.floor(Date.now() / 1000);
  switch (mode.id_token) {
    case 'rotated': return resign(payload, keys.B);
    case 'foreign_key': return resign(payload, keys.C);
    case 'payload': {
      const changed = Buffer.from(JSON.stringify({ ...payload, sub: 'someone-else' })).toString('base64url');
      return `${header}.${changed}.${signature}`;
    }
    case 'wrong_aud': return resign({ ...payload, aud: 'another-client' }, keys.A);
    case 'wrong_iss': return resign({ ...payload, iss: 'http://127.0.0.1:1' }, keys.A);
    case 'wrong_nonce': return resign({ ...payload, nonce: 'not-the-nonce' }, keys.A);
    case 'shift': return resign({ ...payload, iat: now + mode.seconds, exp: now + mode.seconds + 600 }, keys.A);
    default: return idToken;
  }
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token) };
  } else if (ctx.path === '/jwks' && ctx.body && mode.id_token === 'rotated') {
    ctx.body = { keys: [publicJwk(keys.A), publicJwk(keys.B)] };
  } else if (ctx.path === '/me' && ctx.body && mode.userinfo_sub) {
    ctx.body = { ...ctx.body, sub: mode.userinfo_sub };
  }
});

async function readForm(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return new URLSearchParams(data);
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

function loginPage(uid, error = '', login = '') {
  return page('登录', `<h1>统一身份认证登录</h1>
${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
  <label for="login">账号</label> <input id="login" name="login" value="${esc(login)}" autocomplete="username">
  <label for="password">密码</label> <input id="password" name="password" type="password" autocomplete="current-password">
  <button type="submit">登录</button>
</form>
<p><a href="/interaction/${esc(uid)}/abort">取消</a></p>`);
}

function consentPage(uid, clientName, scopes) {
  return page('授权', `<h1>授权确认</h1>
<p>${esc(clientName)} 请求获取您的以下信息：${esc(scopes.join('、'))}</p>
<form method="post" action="/interaction/${esc(uid)}/confirm"><button type="submit">同意授权</button></form>
<p><a href="/interaction/${esc(uid)}/abort">拒绝</a></p>`);
}

async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('错误', '<p>登录会话不符</p>'));
  const { prompt, params, session, grantId } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return send(res, 200, loginPage(uid));
    const client = await provider.Client.find(params.client_id);
    return send(res, 200, consentPage(uid, client.clientName || client.clientId, String(params.scope).split(' ')));
  }
  if (req.method === 'GET' && action === 'abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: '用户取消' },
      { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'login' && prompt.name === 'login') {
    const form = await readForm(req);
    const account = config.accounts[form.get('login')];
    if (!account || account.password !== form.get('password')) {
      return send(res, 200, loginPage(uid, '账号或密码错误', form.get('login') || ''));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'confirm' && prompt.name === 'consent') {
    const grant = grantId ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true });
  }
  return send(res, 400, page('错误', '<p>不支持的请求</p>'));
}

async function testControl(req, res) {
  let data = '';
  for await (const chunk of req) data += chunk;
  Object.assign(mode, { id_token: 'ok', seconds: 0, code_ttl: 60, userinfo_sub: null }, data ? JSON.parse(data) : {});
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(mode));
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  const route = url.pathname.startsWith('/interaction/') ? interaction(req, res, url)
    : url.pathname === '/test/mode' && req.method === 'POST' ? testControl(req, res)
      : handle(req, res);
  Promise.resolve(route).catch((err) => {
    if (!res.headersSent) send(res, 500, page('错误', `<p>${esc(err.message)}</p>`));
  });
});
server.listen(config.port, '127.0.0.1', () => process.stdout.write(`listening ${issuer}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
