"""Successful responses: one resource in "data", or a page of them with "meta" and "links"."""

from typing import Any

from flask import Response, jsonify

from riskreg.services.registers import Page
from riskreg.web.hooks import url_with


def data(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"data": payload})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def etag(version: int) -> str:
    return f'"{version}"'


def page(items: list[dict[str, Any]], result: Page) -> Response:
    """A page with links that keep the request's filters; ordering is stable, so pages do not overlap."""

    def link(number: int) -> str:
        return url_with(page=number, per_page=result.size)

    return jsonify(
        {
            "data": items,
            "meta": {"page": result.number, "per_page": result.size, "total": result.total, "pages": result.pages},
            "links": {
                "self": link(result.number),
                "first": link(1),
                "last": link(result.pages),
                "next": link(result.number + 1) if result.number < result.pages else None,
                "prev": link(min(result.number, result.pages + 1) - 1) if result.number > 1 else None,
            },
        }
    )
