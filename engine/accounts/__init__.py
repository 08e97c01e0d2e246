"""Accounts, one job per module.

- passwords: hashing (argon2) and the rule every password must meet.
- contact: how a person is reached (mobile, email), checked alike at registration and on 账号信息.
- registration: units and individuals sign themselves up, every problem reported at once; limited per client
  address (engine.throttle).
- login: authentication within limits a stranger cannot turn into a lockout (per name and address, per
  address, a per-name delay of seconds); an unknown name costs a wrong password's work; every login and
  failed login is written to the audit log.

Staff accounts (reviewers, administrators) are made and managed by engine.admin.staff.
"""
