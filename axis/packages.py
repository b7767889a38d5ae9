"""Building small, valid edXML packages: for client code, tests, benchmarks and the docs.

The axis never builds packages itself (it stores what senders post, byte for byte); this module
exists so that every caller that needs a well-formed document or status package writes the same
QCVN 102:2016 layout instead of its own approximation.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.sax.saxutils import escape

from axis.edxml import NAMESPACE


def document(
    sender: str,
    recipients: Sequence[str],
    document_id: str,
    *,
    subject: str = "Báo cáo định kỳ",
    priority: int = 0,
    attachment: bytes = b"",
    code_number: str = "1",
    code_notation: str = "BC-UBND",
    timestamp: str = "2026/11/25 08:00:00",
) -> bytes:
    """A document package from `sender` to `recipients` with one optional base64 attachment."""
    to = "".join(f"<To><OrganId>{escape(r)}</OrganId></To>" for r in recipients)
    attachments = ""
    if attachment:
        encoded = base64.b64encode(attachment).decode()
        attachments = (
            "<DocAttachmentList><Attachment><ContentId>1</ContentId>"
            "<ContentType>application/pdf</ContentType><AttachmentName>vanban.pdf</AttachmentName>"
            f"<ContentTransferEncoded>{encoded}</ContentTransferEncoded></Attachment>"
            "</DocAttachmentList>"
        )
    date = timestamp.split(" ")[0]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope xmlns="{NAMESPACE}">'
        "<edXMLHeader><MessageHeader>"
        f"<From><OrganId>{escape(sender)}</OrganId></From>{to}"
        f"<DocumentId>{escape(document_id)}</DocumentId>"
        f"<Code><CodeNumber>{escape(code_number)}</CodeNumber>"
        f"<CodeNotation>{escape(code_notation)}</CodeNotation></Code>"
        f"<PromulgationInfo><Place>Hà Nội</Place><PromulgationDate>{date}</PromulgationDate>"
        "</PromulgationInfo>"
        "<DocumentType><Type>1</Type><TypeName>Công văn</TypeName></DocumentType>"
        f"<Subject>{escape(subject)}</Subject>"
        f"<OtherInfo><Priority>{int(priority)}</Priority><PageAmount>1</PageAmount></OtherInfo>"
        "</MessageHeader>"
        f"<TraceHeaderList><TraceHeader><OrganId>{escape(sender)}</OrganId>"
        f"<Timestamp>{timestamp}</Timestamp></TraceHeader></TraceHeaderList>"
        f"</edXMLHeader><edXMLBody>{attachments}</edXMLBody></edXMLEnvelope>"
    ).encode()


def status(
    sender: str,
    original_sender: str,
    document_id: str,
    code: str = "01",
    *,
    description: str = "Đã đến",
    timestamp: str = "2026/11/25 08:05:00",
) -> bytes:
    """A status package from `sender` (a recipient) about `document_id` from `original_sender`."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope xmlns="{NAMESPACE}">'
        "<edXMLHeader><Status>"
        f"<ResponseFor><OrganId>{escape(original_sender)}</OrganId>"
        f"<DocumentId>{escape(document_id)}</DocumentId></ResponseFor>"
        f"<From><OrganId>{escape(sender)}</OrganId></From>"
        f"<StatusCode>{escape(code)}</StatusCode>"
        f"<Description>{escape(description)}</Description>"
        f"<Timestamp>{escape(timestamp)}</Timestamp>"
        "</Status></edXMLHeader><edXMLBody/></edXMLEnvelope>"
    ).encode()
