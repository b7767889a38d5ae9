import hashlib
import hmac

from axis.signing import sign_headers
from loadtest.signing import agency_secret, sign, signature


def test_matches_the_reference_axis_for_bodies_queries_and_empty_bodies():
    for method, target, body in [("POST", "/v1/documents", b"<x/>"),
                                 ("GET", "/v1/inbox?limit=100&wait=2", b""),
                                 ("post", "/v1/deliveries/7/ack", b'{"status": "done"}')]:
        ours = sign("000.00.00.H41", "s" * 20, method, target, body, now=1_700_000_000)
        theirs = sign_headers("000.00.00.H41", "s" * 20, method, target, body,
                              now=1_700_000_000)
        assert ours == theirs


def test_signs_the_documented_string():
    empty = hashlib.sha256(b"").hexdigest()
    message = f"GET\n/v1/inbox?limit=5\n1700000000\n{empty}".encode()
    expected = hmac.new(b"secret-0123456789", message, hashlib.sha256).hexdigest()
    assert signature("secret-0123456789", "get", "/v1/inbox?limit=5", "1700000000") == expected
    assert expected != signature("secret-0123456789", "GET", "/v1/inbox?limit=6", "1700000000")


def test_secrets_are_per_agency_and_per_key_and_long_enough():
    a, b = agency_secret("k1", "A"), agency_secret("k1", "B")
    assert a != b and agency_secret("k2", "A") != a
    assert agency_secret("k1", "A") == a and len(a) >= 16
