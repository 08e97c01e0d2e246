"""Accounts, one job per module.

- passwords: hashing (argon2) and the rule every password must meet (not the login, not a common password).
- contact: how a person is reached (mobile, email), checked alike at registration and on 账号信息.
- sessions: one row per sign-in, the one answer to whether a session is alive; ending them (end_sessions).
- second_factor: staff's TOTP (policy, enrolment by QR code, codes taken once, recovery codes, reset).
- registration: units and individuals sign themselves up, every problem reported at once; limited per client
  address (engine.throttle).
- login: authentication within limits a stranger cannot turn into a lockout (per name and address, per
  address, a per-name delay of seconds); an unknown name costs a wrong password's work; every login and
  failed login is written to the audit log.
- oidc_config: the unified login's settings (政务服务网统一身份认证: provider, client, scopes, claim mapping) and
  whether local password login stays on for units and individuals.
- agents: a unit's people (经办人): its administrator's invitations (by ID number) and removals.
- federated: who a unified login is: the claims checked, the unit or individual created or linked, an
  invited agent joined; the (issuer, subject) links in `identities`.

Staff accounts (reviewers, administrators) are made and managed by engine.admin.staff.
"""
