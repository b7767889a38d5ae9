"""Tests mirroring the package of the same name (a package, so test file names may repeat)."""
