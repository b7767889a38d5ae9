"""Errors for impossible topology input (an unknown ministry code, a unit that overflows)."""


class TopologyError(ValueError):
    """The scenario asks for a network that cannot be built; the message names the key."""
