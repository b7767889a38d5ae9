"""Federation: several axes relaying packages hop by hop (commune -> province -> national -> ...).

`codes` reads the level-1 body out of an agency code, `roles` decides which neighbour (if any)
serves a recipient, `trace` adds this hop to the trace carried beside the package (whose signed
bytes no axis changes), and `relay` is the worker that forwards what the store queued with a
package's acceptance. A standalone axis (the default role) uses none of it and behaves exactly as
before.
"""
