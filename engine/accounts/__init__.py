"""Accounts, one job per module.

- passwords: hashing (argon2) and the rule every password must meet (not the login, not a common password).
- contact: how a person is reached (mobile, email), checked alike at registration and on 账号信息.
- sessions: one row per sign-in, the one answer to whether a session is alive; ending them (end_sessions).
- second_factor: staff's TOTP (policy, enrolment by QR code, codes taken once, recovery codes, reset).
- registration: units and individuals sign themselves up, every problem reported at once.
- login: throttled authentication; every login and failed login is written to the audit log.

Staff accounts (reviewers, administrators) are made and managed by engine.admin.staff.
"""
