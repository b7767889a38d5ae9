"""XML signatures: every kind of bad signature is refused with a line naming it; good ones pass,
with RSA-SHA256 through an intermediate CA and with ECDSA; end to end through the app."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from axis import packages
from axis.xmlsig import SignatureError, Signer, TrustedCAs, TrustError
from loadtest import certificates
from loadtest.xmlsig import PackageSigner
from tests.axis.conftest import ADMIN_TOKEN, AGENCIES, A, B, make_store, secret_of

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def trust(ca_dir) -> TrustedCAs:
    return TrustedCAs.from_file(str(ca_dir / certificates.CA_CERT))


@pytest.fixture(scope="module")
def signer(ca_dir) -> PackageSigner:
    return PackageSigner(ca_dir)


def document() -> bytes:
    return packages.document(A, [B], "VB-1,2026", attachment=b"%PDF" * 100)


def refused(trust: TrustedCAs, body: bytes, sender: str = A) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        trust.verify(body, sender)
    return caught.value


def test_a_signed_package_is_accepted(trust, signer) -> None:
    trust.verify(signer.sign(A, document()), A)


def test_an_unsigned_package_is_refused_as_missing(trust) -> None:
    error = refused(trust, document())
    assert error.kind == "missing" and "missing XML signature" in error.message


def test_a_package_changed_after_signing_is_refused(trust, signer) -> None:
    signed = signer.sign(A, document())
    error = refused(trust, signed.replace(b"VB-1,2026", b"VB-2,2026"))
    assert error.kind == "changed" and "changed after signing" in error.message


def test_a_broken_signature_value_is_refused(trust, signer) -> None:
    signed = signer.sign(A, document())
    value = re.search(rb"<ds:SignatureValue>([^<]+)<", signed).group(1)
    forged = value[:10] + (b"A" if value[10:11] != b"A" else b"B") + value[11:]
    error = refused(trust, signed.replace(value, forged))
    assert error.kind == "broken" and "signature" in error.message


def test_a_certificate_from_another_ca_is_untrusted(trust, tmp_path) -> None:
    certificates.create(tmp_path)
    error = refused(trust, PackageSigner(tmp_path).sign(A, document()))
    assert error.kind == "untrusted" and "not trusted" in error.message


def test_a_certificate_of_another_agency_is_a_mismatch(trust, signer) -> None:
    error = refused(trust, signer.sign(B, document()))
    assert error.kind == "mismatched"
    assert B in error.message and A in error.message


def test_a_signature_over_less_than_the_package_is_malformed(trust, signer) -> None:
    signed = signer.sign(A, document())
    error = refused(trust, signed.replace(b'URI=""', b'URI="#part"'))
    assert error.kind in ("malformed", "broken")


def test_garbage_in_the_certificate_is_malformed_not_a_crash(trust, signer) -> None:
    signed = signer.sign(A, document())
    error = refused(trust, signed.replace(b"<ds:X509Certificate>", b"<ds:X509Certificate>@@"))
    assert error.kind == "malformed" and len(error.message.splitlines()) == 1


def _rsa_chain(tmp_path: Path) -> tuple[bytes, Signer]:
    """A root CA, an intermediate and an RSA agency certificate for A."""
    now = dt.datetime.now(dt.UTC)

    def cert(subject: str, key, issuer: str, issuer_key, ca: bool):
        usage = x509.KeyUsage(digital_signature=not ca, content_commitment=False,
                              key_encipherment=False, data_encipherment=False,
                              key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                              encipher_only=False, decipher_only=False)
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(hours=1))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(usage, critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       issuer_key.public_key()), critical=False))
        return builder.sign(issuer_key, hashes.SHA256())

    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    root = cert("Root CA", keys[0], "Root CA", keys[0], True)
    middle = cert("Agency CA", keys[1], "Root CA", keys[0], True)
    leaf = cert(A, keys[2], "Agency CA", keys[1], False)
    pem = serialization.Encoding.PEM
    key_pem = keys[2].private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    chain_pem = leaf.public_bytes(pem) + middle.public_bytes(pem)
    return root.public_bytes(pem), Signer.from_pem(key_pem, chain_pem)


def test_rsa_sha256_through_an_intermediate_ca(tmp_path) -> None:
    root_pem, signer = _rsa_chain(tmp_path)
    trust = TrustedCAs.from_pem(root_pem)
    signed = signer.sign(document())
    assert b"rsa-sha256" in signed
    trust.verify(signed, A)
    assert refused(trust, signed, B).kind == "mismatched"


def test_a_trust_file_without_certificates_is_one_line(tmp_path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("nothing here\n")
    with pytest.raises(TrustError, match=r"holds no certificate|not PEM"):
        TrustedCAs.from_file(str(empty))
    with pytest.raises(TrustError, match="No such file"):
        TrustedCAs.from_file(str(tmp_path / "missing.pem"))


@pytest.fixture
async def signed_axis(tmp_path, request, ca_dir):
    import httpx

    from axis.app import create_app
    from axis.client import AsyncClient
    from axis.config import Settings

    settings = Settings(store="unused", admin_token=ADMIN_TOKEN, max_body=1_000_000,
                        trust_ca=str(ca_dir / certificates.CA_CERT))
    store = make_store("sqlite", tmp_path, request)
    app = create_app(settings, store=store)
    async with app.router.lifespan_context(app):
        await store.put_agencies([(code, code, secret_of(code)) for code in AGENCIES])
        await app.state.axis.directory.refresh()
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://axis")
        try:
            yield lambda code, signer=None: AsyncClient("http://axis", code, secret_of(code),
                                                        http=http, signer=signer)
        finally:
            await http.aclose()


async def test_a_signed_document_goes_end_to_end_and_bad_ones_get_422(signed_axis,
                                                                      signer) -> None:
    from axis.client import AxisError

    a, b = signed_axis(A), signed_axis(B)
    sent = await a.send(signer.sign(A, document()))
    assert sent["deliveries"][0]["recipient"] == B
    item = (await b.inbox())["deliveries"][0]
    body = await b.fetch(item["id"])
    assert b"<ds:Signature" in body and b"VB-1,2026" in body
    assert (await b.ack(item["id"], "done"))["state"] == "done"
    for bad, words in ((document(), "missing XML signature"),
                       (signer.sign(A, document()).replace(b"VB-1", b"VB-9"),
                        "changed after signing"),
                       (signer.sign(B, packages.document(A, [B], "VB-3")), "names")):
        with pytest.raises(AxisError) as caught:
            await a.send(bad)
        assert caught.value.status == 422 and words in caught.value.message


async def test_the_client_signs_what_it_sends_with_its_signer(signed_axis, tmp_path) -> None:
    _, rsa_signer = _rsa_chain(tmp_path)
    # this axis trusts only the load test CA: "untrusted" (not "missing") shows it was signed
    from axis.client import AxisError

    with pytest.raises(AxisError) as caught:
        await signed_axis(A, rsa_signer).send(document())
    assert caught.value.status == 422 and "not trusted" in caught.value.message
