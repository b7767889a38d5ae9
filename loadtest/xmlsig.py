"""Signing packages as an agency system does: an enveloped XML Signature (docs/axis.md).

Written from the protocol text, not imported from `axis` (the load test reaches the axis only
over HTTP); a contract test checks that the reference axis accepts what this signs. The
cryptography is signxml's: ECDSA-SHA256 over the canonicalised package (`Reference URI=""`),
the agency's certificate in `KeyInfo/X509Data`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree
from signxml import SignatureMethod, XMLSigner, methods

from loadtest.certificates import AgencyCertificates

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class PackageSigner:
    """Signs each agency's packages with a certificate from the run's throw-away CA."""

    def __init__(self, ca_directory: Path) -> None:
        self.certificates = AgencyCertificates(ca_directory)
        self._signer = XMLSigner(method=methods.enveloped,
                                 signature_algorithm=SignatureMethod.ECDSA_SHA256,
                                 digest_algorithm="sha256")

    def sign(self, agency: str, package: bytes) -> bytes:
        key, certificate = self.certificates.issue(agency)
        root = etree.fromstring(package, parser=_PARSER)
        signed = self._signer.sign(root, key=key, cert=[certificate])
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


@lru_cache(maxsize=4)
def package_signer(ca_directory: str) -> PackageSigner:
    """One signer per CA in a process, so every user of the process shares issued certificates."""
    return PackageSigner(Path(ca_directory))
