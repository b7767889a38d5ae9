"""XML Signatures over edXML packages: verifying them (`--trust-ca`) and making them (clients).

Since 2020 every document on the national axis carries the sending agency's digital signature.
With `--trust-ca FILE` the axis requires one on every package: an enveloped XML Signature
(W3C XML-DSig, `Reference URI=""`: the whole package but the signature itself, canonicalised)
made with RSA-SHA256 or ECDSA-SHA256, whose X.509 certificate (carried in
`KeyInfo/X509Data`, with any intermediates) chains to one of the trusted CAs and whose subject
CommonName is the sending agency's code. The cryptography is signxml's and cryptography's; this
module only decides what is acceptable and names what is wrong, one line per kind:

- missing: no signature at all;
- malformed: a signature element that is not a valid XML-DSig signature, or of another kind
  (another algorithm, a reference to less than the whole package, several references);
- untrusted: the certificate does not chain to a trusted CA (or is expired, or not for signing);
- mismatched agency: the certificate names another agency than the package's sender;
- changed after signing: the package's digest no longer matches the signed one;
- broken: the signature value does not verify with the certificate's key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from lxml import etree
from signxml import SignatureMethod, XMLSigner, XMLVerifier, methods
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.util import X509CertChainVerifier
from signxml.verifier import SignatureConfiguration

log = logging.getLogger("axis.xmlsig")

DSIG_NAMESPACE = b"http://www.w3.org/2000/09/xmldsig#"
ACCEPTED_METHODS = frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256})
_EXPECT = SignatureConfiguration(signature_methods=ACCEPTED_METHODS, expect_references=1)
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=False, remove_blank_text=False)


class SignatureError(ValueError):
    """A package whose signature is not acceptable; `message` names what is wrong."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class TrustError(ValueError):
    """A --trust-ca file that holds no usable CA certificate."""


class _ChainVerifier(X509CertChainVerifier):
    """signxml's chain check against a store built once (signxml reads the CA file per call)."""

    def __init__(self, store: verification.Store, **kwargs: Any) -> None:
        super().__init__(ca_pem_file="(loaded once)", **kwargs)
        self._store = store
        self.signing_cert: x509.Certificate | None = None

    @property
    def store(self) -> verification.Store:
        return self._store

    def verify(self, cert_chain: Sequence[x509.Certificate]) -> x509.Certificate:
        self.signing_cert = super().verify(cert_chain)
        return self.signing_cert


class _Verifier(XMLVerifier):
    def __init__(self, store: verification.Store) -> None:
        super().__init__()
        self._store = store
        self.chain: _ChainVerifier | None = None

    def get_cert_chain_verifier(self, ca_pem_file: Any, ee_policy: Any, ca_policy: Any
                                ) -> _ChainVerifier:
        self.chain = _ChainVerifier(self._store,
                                    verification_time=self._get_cert_verification_time(),
                                    ee_policy=ee_policy, ca_policy=ca_policy)
        return self.chain


class TrustedCAs:
    """The CAs whose agency certificates the axis accepts (`--trust-ca FILE`)."""

    def __init__(self, certificates: Sequence[x509.Certificate]) -> None:
        self.certificates = tuple(certificates)
        self._store = verification.Store(list(self.certificates))

    @classmethod
    def from_pem(cls, data: bytes, where: str = "CA file") -> TrustedCAs:
        try:
            certificates = tuple(x509.load_pem_x509_certificates(data))
        except ValueError as error:
            raise TrustError(f"{where}: not PEM certificates ({error})") from None
        if not certificates:
            raise TrustError(f"{where}: holds no certificate")
        return cls(certificates)

    @classmethod
    def from_file(cls, path: str) -> TrustedCAs:
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            raise TrustError(f"{path}: {error.strerror or error}") from None
        return cls.from_pem(data, path)

    def verify(self, body: bytes, sender: str) -> None:
        """Accept the package's signature for `sender`, or raise `SignatureError` naming why."""
        if DSIG_NAMESPACE not in body:
            raise SignatureError("missing XML signature: every package must carry an enveloped "
                                 "XML Signature (xmldsig) of its sender", "missing")
        verifier = _Verifier(self._store)
        try:
            result = verifier.verify(body, expect_config=_EXPECT, parser=_SAFE_PARSER)
        except InvalidDigest:
            raise SignatureError("package changed after signing: its digest does not match "
                                 "the signed DigestValue", "changed") from None
        except InvalidCertificate as error:
            raise SignatureError(f"signing certificate is not trusted: {_line(error)}",
                                 "untrusted") from None
        except InvalidSignature as error:
            raise SignatureError(f"broken XML signature: {_line(error)}", "broken") from None
        except InvalidInput as error:
            text = _line(error)
            kind = "missing" if "Expected to find XML element Signature" in text else "malformed"
            if kind == "missing":
                raise SignatureError("missing XML signature: no ds:Signature element",
                                     kind) from None
            raise SignatureError(f"malformed XML signature: {text}", kind) from None
        except Exception as error:  # lxml, base64, ASN.1 errors inside a hostile signature
            raise SignatureError(f"malformed XML signature: {type(error).__name__}: "
                                 f"{_line(error)}", "malformed") from None
        result = result[0] if isinstance(result, list) else result
        reference = result.signature_xml.find(
            "{http://www.w3.org/2000/09/xmldsig#}SignedInfo/"
            "{http://www.w3.org/2000/09/xmldsig#}Reference")
        if reference is None or reference.get("URI") != "":
            raise SignatureError("malformed XML signature: the Reference must cover the whole "
                                 "package (URI=\"\")", "malformed")
        cert = verifier.chain.signing_cert if verifier.chain is not None else None
        names = [] if cert is None else [
            a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
        if names != [sender]:
            named = names[0] if names else "no CommonName"
            raise SignatureError(f"signing certificate names {str(named)[:64]!r}, but the "
                                 f"package is from {sender[:64]!r}", "mismatched")


def _line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


@dataclass(frozen=True)
class Signer:
    """An agency's signing key and certificate chain (leaf first): signs packages it sends."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]

    @classmethod
    def from_pem(cls, key_pem: bytes, chain_pem: bytes) -> Signer:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("the signing key must be RSA or ECDSA")
        return cls(key, tuple(x509.load_pem_x509_certificates(chain_pem)))

    @property
    def algorithm(self) -> SignatureMethod:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return SignatureMethod.RSA_SHA256
        return SignatureMethod.ECDSA_SHA256

    def sign(self, body: bytes) -> bytes:
        """The package with an enveloped signature appended to its root element."""
        root = etree.fromstring(body, parser=_SAFE_PARSER)
        signer = XMLSigner(method=methods.enveloped, signature_algorithm=self.algorithm,
                           digest_algorithm="sha256")
        signed = signer.sign(root, key=self.key, cert=list(self.chain))
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
