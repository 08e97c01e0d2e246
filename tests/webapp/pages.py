"""Reading pages and the database the way the functional tests need to."""
from bs4 import BeautifulSoup


def soup(page):
    return BeautifulSoup(page.text, "html.parser")


def fresh(session):
    """End the test's own read transaction and forget what it loaded, so the next query sees what the app
    has committed since (rollback alone does not expire objects loaded in an earlier transaction)."""
    session.rollback()
    session.expire_all()


def form_to(page, fragment, has=None):
    """The form of the page that posts to an address containing fragment (and has field `has`, if given)."""
    return next(fm for fm in page.forms.values()
                if fragment in (fm.action or "") and (has is None or has in fm.fields))


def the_form(page):
    """The item form of a page (the one with the 保存/上传/提交 buttons)."""
    return next(fm for fm in page.forms.values() if "action" in fm.fields)


def confirm(web, case_id, trigger, **fields):
    """A reviewer's action through the review page and its confirmation page."""
    page = web.app.get(f"/review/cases/{case_id}")
    page = page.click(href=f"/transitions/{trigger}")
    form = next(fm for fm in page.forms.values() if f"/transitions/{trigger}" in (fm.action or ""))
    for k, v in fields.items():
        form[k] = v
    form["confirm"] = True
    return form.submit()


def say_interest(web, position_id, **params):
    """我有意向 as the position's page posts it: with the version of the consent text it shows."""
    from engine.positions.intents import CONSENT_VERSION
    return web.post(f"/positions/{position_id}/intent", {"consent": CONSENT_VERSION, **params})


def check_and_submit(res):
    """The form's 核对并提交 leads to the check page; its 提交 sends the case (the redirect to 申报成功)."""
    assert res.status_int == 303 and res.location.endswith("/check"), (res.status, res.location)
    return form_to(res.follow(), "/check").submit()
