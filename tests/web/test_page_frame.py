"""The page frame (templates/base.html) writes out GOV.UK Frontend's page template, skip link, generic header and
service navigation rather than calling their macros (issue 20: the macros cost more than most pages' content).
These tests render the same page through the GOV.UK template and macros and expect the same document, so the
frame cannot drift from what GOV.UK Frontend would have written."""

import re

from bs4 import BeautifulSoup

# The frame as the GOV.UK template and macros write it, around the parts of a page that are riskreg's own.
REFERENCE = """\
{% extends "govuk_frontend_jinja/template.html" %}
{% from "govuk_frontend_jinja/components/generic-header/macro.html" import govukGenericHeader %}
{% from "govuk_frontend_jinja/components/service-navigation/macro.html" import govukServiceNavigation %}
{% block pageTitle %}{{ title }}{% endblock %}
{% block head %}<link rel="stylesheet" href="/assets/riskreg.css">{% endblock %}
{% block header %}
  <header class="govuk-template__header">
    {{ govukGenericHeader({"logoText": "riskreg", "url": "/"}) }}
    {% if navigation is not none %}
      {{ govukServiceNavigation({
        "serviceName": "Risk and assurance registers",
        "serviceUrl": "/",
        "navigation": navigation,
        "slots": {"navigationEnd": navigation_end},
      }) }}
    {% endif %}
  </header>
{% endblock %}
{% block beforeContent %}{{ before | safe }}{% endblock %}
{% block content %}{{ main | safe }}{% endblock %}
{% block footer %}{{ footer | safe }}{% endblock %}
{% block bodyEnd %}{{ body_end | safe }}{% endblock %}
"""


def _normal(html: str) -> str:
    """Markup as BeautifulSoup writes it (attributes in one order), without the whitespace between and inside tags,
    which the macros and the frame lay out differently."""
    html = re.sub(r"\s+", " ", str(BeautifulSoup(html, "html.parser")))
    html = re.sub(r"\s*>\s*", ">", html)
    return re.sub(r"\s*<\s*", "<", html)


def _inner(element) -> str:
    return "".join(str(child) for child in element.children) if element else ""


def _through_the_macros(app, html: str) -> str:
    """The page rebuilt from its own parts (title, breadcrumbs, main, footer, scripts, navigation items) with the
    GOV.UK template and macros."""
    soup = BeautifulSoup(html, "html.parser")
    container = soup.select_one("body > div.govuk-width-container")
    main = container.find("main")
    before = "".join(str(child) for child in container.children if child is not main)
    navigation = navigation_end = None
    if soup.select_one("nav.govuk-service-navigation__wrapper"):
        items = soup.select("ul.govuk-service-navigation__list > li")
        links = [item for item in items if item.find("a", class_="govuk-service-navigation__link")]
        navigation = [
            {"href": item.a["href"], "text": item.a.get_text(strip=True), "active": item.a.has_attr("aria-current")}
            for item in links
        ]
        navigation_end = "".join(str(item) for item in items if item not in links)
    nonce = soup.body.script["nonce"]
    with app.test_request_context():
        return app.jinja_env.from_string(REFERENCE).render(
            title=soup.title.string,
            before=before,
            main=_inner(main),
            footer=str(soup.find("footer")),
            body_end="".join(str(script) for script in soup.body.find_all("script", recursive=False)[1:]),
            navigation=navigation,
            navigation_end=navigation_end,
            assetPath="/assets",
            cspNonce=nonce,
        )


def _same_as_the_macros(app, response) -> None:
    html = response.data.decode()
    assert _normal(html) == _normal(_through_the_macros(app, html))


def test_a_signed_in_page_has_the_gov_uk_frame_with_the_sections_they_may_visit(app, client, org, sign_in):
    sign_in(org.admin)
    response = client.get("/registers")
    soup = BeautifulSoup(response.data, "html.parser")
    active = soup.select("li.govuk-service-navigation__item--active a[aria-current='true'] strong")
    assert [strong.text for strong in active] == ["Registers"]
    assert "Administration" in [a.get_text(strip=True) for a in soup.select("a.govuk-service-navigation__link")]
    _same_as_the_macros(app, response)


def test_a_page_with_breadcrumbs_and_a_reader_who_sees_fewer_sections(app, client, org, sign_in):
    sign_in(org.viewer_ln)
    response = client.get("/registers/LN")
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.select_one("nav.govuk-breadcrumbs")
    assert "Administration" not in soup.select_one("nav.govuk-service-navigation__wrapper").text
    _same_as_the_macros(app, response)


def test_a_signed_out_page_has_the_frame_without_navigation(app, client):
    response = client.get("/sign-in")
    assert BeautifulSoup(response.data, "html.parser").select_one("section.govuk-service-navigation") is None
    _same_as_the_macros(app, response)
