"""A throw-away certificate authority for one load test, and agency certificates from it.

Since 2020 every package on the axis is signed by its sending agency (docs/axis.md,
"Signatures"). A load test plays thousands of agencies, so it makes its own CA at the start of
a run (`create`), writes the CA's certificate and key into the run directory, and starts the
reference axis with `--trust-ca` on that certificate. Each Locust process then issues an agency's
certificate (subject CommonName = the agency's code, ECDSA P-256, valid for the run) the first
time that agency sends (`AgencyCertificates`), so no process waits for ten thousand certificates
nobody may use. The key is throw-away: it signs nothing outside the run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_CERT = "signing-ca.pem"
CA_KEY = "signing-ca-key.pem"
VALID = dt.timedelta(days=2)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lienthong load test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, sign_documents: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign_documents, content_commitment=sign_documents,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=not sign_documents, crl_sign=not sign_documents,
                         encipher_only=False, decipher_only=False)


def create(directory: Path) -> Path:
    """Make a CA, write its certificate and key into `directory`; returns the certificate's path."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name("lienthong load test CA")
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + VALID)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign_documents=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CA_KEY).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (directory / CA_KEY).chmod(0o600)
    path = directory / CA_CERT
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


class AgencyCertificates:
    """Issues (and remembers) each agency's key and certificate from the CA in a directory."""

    def __init__(self, directory: Path) -> None:
        self.ca = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
        ca_key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), None)
        if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{directory / CA_KEY}: expected an ECDSA key")
        self._ca_key = ca_key
        self._issued: dict[str, tuple[ec.EllipticCurvePrivateKey, x509.Certificate]] = {}

    def issue(self, code: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """The agency's signing key and certificate (subject CommonName = `code`)."""
        found = self._issued.get(code)
        if found is not None:
            return found
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder().subject_name(_name(code)).issuer_name(self.ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(min(now + VALID, self.ca.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign_documents=True), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self._ca_key.public_key()), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        self._issued[code] = (key, certificate)
        return key, certificate
