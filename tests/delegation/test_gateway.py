"""The delegation parts on their own: routes, the circuit breaker's states, and the gateway's
cap on concurrent calls."""

from __future__ import annotations

import json
import threading
import time

import pytest
import responses

from terminology.client.reading import lookup_result
from terminology.delegation.breaker import CircuitBreaker
from terminology.delegation.gateway import Gateway, GatewaySettings, UpstreamUnavailable
from terminology.delegation.routes import parse_routes, route_for

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UP = "http://upstream.test/fhir"


def test_routes_first_match_wins_and_globs():
    routes = parse_routes(
        f" {RXNORM}=https://rx.example.org/r4/ ; http://snomed.info/sct*=https://a.test/fhir,"
        "https://b.test/fhir;*=https://any.test/fhir"
    )

    def upstreams(system: str) -> tuple[str, ...] | None:
        route = route_for(routes, system)
        return None if route is None else route.upstreams

    assert upstreams(RXNORM) == ("https://rx.example.org/r4",)
    assert upstreams("http://snomed.info/sct") == ("https://a.test/fhir", "https://b.test/fhir")
    assert upstreams("http://loinc.org") == ("https://any.test/fhir",)
    assert route_for(parse_routes(f"{RXNORM}={UP}"), "http://loinc.org") is None
    assert parse_routes("") == () and parse_routes(None) == ()
    # A pattern may hold '=': the entry splits where the upstream URL starts.
    assert parse_routes(f"http://x.org/cs?a=b={UP}")[0].pattern == "http://x.org/cs?a=b"


@pytest.mark.parametrize("bad", ["rxnorm", "rxnorm=ftp://x", "=http://", "a=https://"])
def test_bad_routes_are_refused(bad):
    with pytest.raises(ValueError, match="TERMINOLOGY_UPSTREAMS"):
        parse_routes(bad)


def test_breaker_states():
    now = [0.0]
    breaker = CircuitBreaker(failures=3, reset_after=10, clock=lambda: now[0])
    for _ in range(2):
        breaker.failed()
    assert breaker.state == "closed" and breaker.allow()
    breaker.succeeded()  # a success resets the count
    for _ in range(2):
        breaker.failed()
    assert breaker.state == "closed"
    breaker.failed()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 4.2
    assert breaker.retry_after() == 6
    now[0] = 10
    assert breaker.state == "half-open"
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.failed()  # the trial failed: open again for a whole period
    assert breaker.state == "open" and breaker.retry_after() == 10
    now[0] = 20
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow() and breaker.allow()


def test_the_cap_on_concurrent_calls_answers_unavailable_instead_of_queueing():
    settings = GatewaySettings(timeout=0.3, max_concurrent=1, cache_seconds=0)
    gateway = Gateway(parse_routes(f"{RXNORM}={UP}"), settings)
    route = gateway.route(RXNORM)
    assert route is not None
    answer = {"resourceType": "Parameters", "parameter": [{"name": "display", "valueString": "x"}]}
    results: list[object] = []

    def slow(request):
        time.sleep(0.8)
        return (200, {"Content-Type": "application/fhir+json"}, json.dumps(answer))

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, f"{UP}/CodeSystem/$lookup", callback=slow)

        def ask():
            try:
                results.append(
                    gateway.ask(route, "CodeSystem/$lookup", {"code": "1"}, lookup_result)
                )
            except UpstreamUnavailable as exc:
                results.append(exc)

        first = threading.Thread(target=ask)
        first.start()
        time.sleep(0.1)
        started = time.monotonic()
        ask()
        waited = time.monotonic() - started
        first.join()
    refused = [r for r in results if isinstance(r, UpstreamUnavailable)]
    assert len(refused) == 1 and "too many upstream calls" in refused[0].reason
    assert 0.25 <= waited < 0.7  # waited for a slot at most the timeout, not for the slow call
    # Not the upstream's fault: its breaker is not told.
    assert gateway.breakers[UP].state == "closed"
    gateway.close()
