"""Fake platform servers built from ../shared/platforms.md, one module per platform.

Each fake is a :class:`server.Fake`: a function from ``httpx.Request`` to
``httpx.Response`` that can be used in-process (``fake.transport()``, handed to
``publish.Options(transport=…)``) or served on 127.0.0.1 (``with fake.serve() as url``)
for tests that run ``tidings`` in a subprocess and kill it.
"""
