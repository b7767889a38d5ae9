"""What travels: packages (a document or a status) and the per-recipient items they carry.

One send to N recipients is one `Package` and N `Item`s. A relaying axis forwards one package per
next axis, carrying the items bound that way (the real axis relays one edXML package per
destination platform); each item ends in its recipient's mailbox. Plain slotted classes: a
national day holds millions of them.
"""

from __future__ import annotations

DOCUMENT, STATUS_01, STATUS_03, SYNC = 0, 1, 2, 3
"""Package kinds: every kind but DOCUMENT is status-like (a `status` request, no statuses back);
SYNC is the public service portal's dossier status synchronisation (sim.sources.ServiceSync)."""


class Package:
    """A document, a status package or a sync message, as sent once by its sender."""

    __slots__ = ("axis", "deadline", "kind", "level", "measured", "priority", "ref", "sender",
                 "sent_at", "size")

    def __init__(self, kind: int, sender: int, axis: int, level: int, sent_at: float,
                 priority: int, size: float, deadline: float, measured: bool,
                 ref: Item | None = None) -> None:
        self.kind = kind
        self.sender = sender
        self.axis = axis
        self.level = level
        self.sent_at = sent_at
        """Intended send time (open model: latency counts from here, DESIGN.md)."""
        self.priority = priority
        self.size = size
        self.deadline = deadline
        """SLA deadline: acknowledged by then (end of the next working morning)."""
        self.measured = measured
        """Sent after the warm-up: its deliveries enter the statistics."""
        self.ref = ref
        """For a status package: the delivered item it reports on."""


class Item:
    """One delivery: a package for one recipient, from the send to the acknowledgement."""

    __slots__ = ("acked", "fetched", "national", "package", "ready", "recipient")

    def __init__(self, package: Package, recipient: int, national: bool) -> None:
        self.package = package
        self.recipient = recipient
        self.national = national
        """Its route crosses the national axis (what the national axis counts)."""
        self.ready = 0.0
        self.fetched = -1.0
        self.acked = -1.0
