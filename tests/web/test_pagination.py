"""templates/macros/pagination.html writes out GOV.UK Frontend's pagination (issue 20: the macro cost more than the
links): the same HTML as govukPagination given the same pages, wherever the current page is."""

import re

import pytest
from bs4 import BeautifulSoup

from riskreg.services.registers import Page

# What macros/pagination.html wrote before, through the GOV.UK macro: the first and last pages, two either side of
# the current one, and an ellipsis three away.
THROUGH_THE_MACRO = """\
{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}
{% if page.pages > 1 %}
  {% set items = [] %}
  {% for number in range(1, page.pages + 1) %}
    {% if number == 1 or number == page.pages or (number - page.number) | abs <= 2 %}
      {% set _ = items.append({"number": number, "href": url_with(page=number), "current": number == page.number}) %}
    {% elif (number - page.number) | abs == 3 %}
      {% set _ = items.append({"ellipsis": true}) %}
    {% endif %}
  {% endfor %}
  {{ govukPagination({
    "items": items,
    "previous": {"href": url_with(page=page.number - 1)} if page.number > 1 else none,
    "next": {"href": url_with(page=page.number + 1)} if page.number < page.pages else none
  }) }}
{% endif %}
"""
OURS = '{% from "macros/pagination.html" import pagination %}{{ pagination(page) }}'


def _normal(html: str) -> str:
    html = re.sub(r"\s+", " ", str(BeautifulSoup(html, "html.parser")))
    return re.sub(r"\s*<\s*", "<", re.sub(r"\s*>\s*", ">", html)).strip()


@pytest.mark.parametrize("pages", [1, 2, 3, 5, 7, 8, 12, 40])
def test_pagination_is_the_gov_uk_markup_on_every_page(app, pages):
    with app.test_request_context("/registers/LN?sort=score&page=3"):
        for number in range(1, pages + 1):
            page = Page([], pages * 10, number, 10)
            ours = app.jinja_env.from_string(OURS).render(page=page)
            theirs = app.jinja_env.from_string(THROUGH_THE_MACRO).render(page=page)
            assert _normal(ours) == _normal(theirs), (pages, number)
            assert ("govuk-pagination" in ours) is (pages > 1)
