"""lienthong: capacity simulation and load testing for Vietnam's national document exchange axis.

This package is the thin glue: the command line, the scenario schema, result files, plots and
comparison. The models live in the sibling packages `topology`, `sim`, `axis` and `loadtest`.
"""

__version__ = "0.1.0"
