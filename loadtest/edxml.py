"""edXML packages (QCVN 102:2016) as the load test sends them, and the two facts it reads back.

Documents carry their intended send time in the trace header's timestamp (the hop timestamp is
exactly "when the sender sent it"), with microseconds, so that whoever fetches the package - in
any Locust process, on any machine - can measure end-to-end latency from the intended time
without asking the sender. Attachments are base64 slices of one random block made once per
process: packages reach the sizes of the demand model without spending the generator's CPU on
encoding.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from xml.sax.saxutils import escape

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PRIORITY_NAMES = ("Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc")
_BLOCK_BYTES = 3 * 1024 * 1024
_ENVELOPE_BYTES = 1500
"""Roughly what the envelope around the attachment weighs; sizes below it get no attachment."""

_TIMESTAMP = re.compile(rb"<Timestamp>(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
                        rb"</Timestamp>")
_STATUS_CODE = re.compile(rb"<StatusCode>(\d\d)</StatusCode>")


@lru_cache(maxsize=1)
def _base64_block() -> str:
    return base64.b64encode(os.urandom(_BLOCK_BYTES)).decode()


def format_time(unix: float) -> str:
    """UTC 'yyyy/MM/dd HH:mm:ss.ffffff' (edXML's date layout with microseconds)."""
    return dt.datetime.fromtimestamp(unix, dt.UTC).strftime("%Y/%m/%d %H:%M:%S.%f")


def attachment_text(size_bytes: int) -> str:
    """Base64 text so that the whole package is about `size_bytes` long."""
    length = max(0, size_bytes - _ENVELOPE_BYTES)
    block = _base64_block()
    length -= length % 4
    if length <= len(block):
        return block[:length]
    return (block * (length // len(block) + 1))[:length]


def document(sender: str, recipients: Sequence[str], document_id: str, *, intended: float,
             priority: int = 0, size_bytes: int = 0, subject: str = "Công văn") -> bytes:
    """A document package from `sender` to `recipients` of about `size_bytes`."""
    stamp = format_time(intended)
    date = stamp[:10]
    to = "".join(f"<To><OrganId>{escape(code)}</OrganId></To>" for code in recipients)
    encoded = attachment_text(size_bytes)
    attachments = (
        "<DocAttachmentList><Attachment><ContentId>1</ContentId>"
        "<ContentType>application/pdf</ContentType><AttachmentName>vanban.pdf</AttachmentName>"
        f"<ContentTransferEncoded>{encoded}</ContentTransferEncoded></Attachment>"
        "</DocAttachmentList>" if encoded else ""
    )
    number = document_id.rsplit(",", 1)[-1]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope xmlns="{NAMESPACE}">'
        "<edXMLHeader><MessageHeader>"
        f"<From><OrganId>{escape(sender)}</OrganId></From>{to}"
        f"<DocumentId>{escape(document_id)}</DocumentId>"
        f"<Code><CodeNumber>{escape(number)}</CodeNumber><CodeNotation>LT</CodeNotation></Code>"
        f"<PromulgationInfo><Place>Hà Nội</Place><PromulgationDate>{date}</PromulgationDate>"
        "</PromulgationInfo>"
        "<DocumentType><Type>1</Type><TypeName>Công văn</TypeName></DocumentType>"
        f"<Subject>{escape(subject)}</Subject>"
        f"<OtherInfo><Priority>{int(priority)}</Priority><PageAmount>1</PageAmount></OtherInfo>"
        "</MessageHeader>"
        f"<TraceHeaderList><TraceHeader><OrganId>{escape(sender)}</OrganId>"
        f"<Timestamp>{stamp}</Timestamp></TraceHeader></TraceHeaderList>"
        f"</edXMLHeader><edXMLBody>{attachments}</edXMLBody></edXMLEnvelope>"
    ).encode()


STATUS_TEXT = {"01": "Đã đến", "03": "Đã tiếp nhận"}


def status(sender: str, original_sender: str, document_id: str, code: str, *,
           intended: float) -> bytes:
    """A status package (01 arrived, 03 registered) from a recipient back to the sender."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope xmlns="{NAMESPACE}">'
        "<edXMLHeader><Status>"
        f"<ResponseFor><OrganId>{escape(original_sender)}</OrganId>"
        f"<DocumentId>{escape(document_id)}</DocumentId></ResponseFor>"
        f"<From><OrganId>{escape(sender)}</OrganId></From>"
        f"<StatusCode>{code}</StatusCode>"
        f"<Description>{STATUS_TEXT.get(code, 'Trạng thái')}</Description>"
        f"<Timestamp>{format_time(intended)}</Timestamp>"
        "</Status></edXMLHeader><edXMLBody/></edXMLEnvelope>"
    ).encode()


def intended_time(package: bytes) -> float | None:
    """The intended send time (unix seconds) written by `document` or `status`, if present."""
    match = _TIMESTAMP.search(package)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micro = int((match.group(7) or b"0").ljust(6, b"0"))
    when = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=dt.UTC)
    return when.timestamp()


def status_code(package: bytes) -> str | None:
    match = _STATUS_CODE.search(package)
    return match.group(1).decode() if match else None
