"""lienthong test suite, mirroring the packages."""
