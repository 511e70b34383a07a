"""How the shared Caller reads answers that are not the platform's JSON."""

from __future__ import annotations

import httpx
import pytest

from tidings.errors import PlatformError
from tidings.platforms.http import Caller

PAGE = """<!DOCTYPE html><html><head><title>502 Bad Gateway &amp; more</title>
<style>body{font:12px}</style></head><body><h1>Bad Gateway</h1><p>nginx</p></body></html>"""


def _caller(response: httpx.Response) -> Caller:
    client = httpx.Client(transport=httpx.MockTransport(lambda request: response))
    return Caller(client, attempts=1)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(404, html=PAGE), "post part 1: 404 502 Bad Gateway & more"),
        (
            httpx.Response(400, text="<html><body><p>Nothing   here</p></body></html>"),
            "post part 1: 400 Nothing here",
        ),
        (httpx.Response(400, text="invalid_payload"), "post part 1: 400 invalid_payload"),
        (httpx.Response(400, text=""), "post part 1: 400 Bad Request"),
        (httpx.Response(400, text="x" * 500), "post part 1: 400 " + "x" * 200 + "…"),
    ],
)
def test_a_non_json_answer_becomes_one_short_line(response: httpx.Response, message: str) -> None:
    with pytest.raises(PlatformError) as caught:
        _caller(response).call("POST", "https://api.example/p", safe=False, what="post part 1")
    assert caught.value.message == message
    assert "<" not in caught.value.message
