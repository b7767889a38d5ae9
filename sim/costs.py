"""What each operation costs an axis worker, in the form the hot path reads.

The scenario gives costs in ms and ms per KB (`sim.config.OperationCost`, a fixed part plus a
part per KB); here each becomes one `Cost` in seconds and seconds per byte, read on every
request. Polls and acknowledgements carry no body and status packages have one fixed size, so
their costs are plain seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config import AxisCapacity, DeliveryConfig, OperationCost


@dataclass(frozen=True, slots=True)
class Cost:
    """Service time of one operation on a package of `size` bytes: fixed + per_byte * size."""

    fixed: float
    per_byte: float

    @classmethod
    def of(cls, op: OperationCost) -> Cost:
        return cls(op.fixed_ms / 1e3, op.per_kb_ms / 1e3 / 1024.0)

    def __call__(self, size: float) -> float:
        return self.fixed + self.per_byte * size


@dataclass(frozen=True, slots=True)
class Costs:
    """Every operation's cost on an axis (`axis.service_mean_s`, if set, replaces them all with
    exponential draws: sim/axis_server.py)."""

    send: Cost
    relay: Cost
    fetch: Cost
    poll: float
    ack: float
    status: float
    """A status package's `send` or `relay`."""
    status_size: float
    """Bytes of a status package."""

    @classmethod
    def of(cls, cap: AxisCapacity, delivery: DeliveryConfig) -> Costs:
        status_size = delivery.status_size_kb * 1024.0
        return cls(Cost.of(cap.send), Cost.of(cap.relay), Cost.of(cap.fetch),
                   cap.poll.seconds(0), cap.ack.seconds(0), cap.status.seconds(status_size),
                   status_size)
