"""The URL rules of the reference as a pure, offline function (spec.urls), shared by the client's
pre-check and the sandbox."""

from __future__ import annotations

import ipaddress

import pytest
from support import table_resolver
from test_sandbox_contract import HOSTILE

from qavix_lab.errors import URL_REASONS
from qavix_lab.spec import URL_CODES
from qavix_lab.spec.urls import UrlVerdict, check_url, embedded_ipv4

NEEDS_DNS = {10025}  # and 10026 for names: only the service resolves them


@pytest.mark.parametrize(("url", "code"), HOSTILE)
def test_offline_check_gives_the_services_code_or_defers_to_dns(url, code):
    verdict = check_url(url)
    if verdict is None:
        host = url.split("/")[2]
        assert code in NEEDS_DNS or (code == 10026 and host.endswith("example.com")), url
    else:
        assert verdict.code == code, url


@pytest.mark.parametrize(("url", "code"), HOSTILE)
def test_with_a_resolver_the_check_is_the_services(url, code):
    verdict = check_url(url, resolve=table_resolver)
    assert verdict is not None and verdict.code == code


def test_verdict_names_the_rule_and_the_place():
    verdict = check_url("http://localhost./x.mp4")
    assert verdict == UrlVerdict(10024, "localhost")
    assert (verdict.reason, str(verdict)) == ("URL_HOST_BLOCKED", "URL_HOST_BLOCKED: localhost")
    assert "localhost" in verdict.explanation
    crlf = check_url("https://cdn.example.com/a.mp4\r\nHost: evil")
    assert crlf.code == 10020 and "'\\r'" in crlf.detail


def test_every_code_of_the_reference_has_a_rule():
    assert sorted(URL_REASONS) == list(URL_CODES)


@pytest.mark.parametrize("url", [
    "https://cdn.example.com/clip.mp4",
    "https://cdn.example.com./clip.mp4",
    "http://93.184.216.34:8080/a.mp4",
    "http://[2606:2800:220:1:248:1893:25c8:1946]/a.mp4",
    "http://[::ffff:93.184.216.34]/a.mp4",
    "http://[64:ff9b::5db8:d822]/a.mp4",
    "http://[2002:5db8:d822::1]/a.mp4",
    "https://bücher.example.com/a.mp4",
    "https://cdn.example.com/a%20b.mp4?sig=1&x=%0d%0a",
])
def test_public_urls_pass(url):
    assert check_url(url, resolve=lambda host: ["93.184.216.34"]) is None


def test_public_addresses_inside_ipv6_forms_are_unwrapped():
    public = ipaddress.IPv4Address("93.184.216.34")
    for text in ("::ffff:93.184.216.34", "::ffff:0:5db8:d822", "64:ff9b::5db8:d822",
                 "2002:5db8:d822::", "::93.184.216.34"):
        assert embedded_ipv4(ipaddress.IPv6Address(text)) == [public], text
    assert embedded_ipv4(ipaddress.IPv6Address("::1")) == []
    assert embedded_ipv4(ipaddress.IPv6Address("2606:2800:220:1::1")) == []


def test_resolver_failures_and_garbage_are_refused():
    def broken(host):
        raise OSError("no such host")

    assert check_url("http://cdn.example.com/a", resolve=broken).code == 10025
    assert check_url("http://cdn.example.com/a", resolve=lambda h: ["not-an-ip"]).code == 10026
    assert check_url("http://cdn.example.com/a",
                     resolve=lambda h: ["::ffff:10.0.0.1"]).code == 10026


def test_allow_list_accepts_trailing_dots_and_subdomains_only():
    allow = ("example.com.",)
    assert check_url("https://cdn.example.com./a", allow_hosts=allow) is None
    assert check_url("https://badexample.com/a", allow_hosts=allow).code == 10027
    assert check_url("https://93.184.216.34/a", allow_hosts=allow).code == 10027


@pytest.mark.parametrize("value", [None, 42, "", "   ", b"http://x"])
def test_non_strings_are_invalid(value):
    assert check_url(value).code == 10020


def test_a_verdict_makes_the_error_the_service_would_give(client):
    """How the client pre-checks a URL: the same code, reason and class as the service's."""
    from qavix_lab.errors import URLRejected

    url = "http://[::ffff:0:7f00:1]/clip.mp4"
    verdict = check_url(url, max_length=None)
    local = URLRejected(f"videoUrl: {verdict}", code=verdict.code, operation="video.translate",
                        where="videoUrl")
    with pytest.raises(URLRejected) as served:
        client.video.translate(url, "en", "fr")
    assert (local.code, local.reason) == (served.value.code, served.value.reason)
    assert str(verdict) in str(served.value) and str(verdict) in str(local)
