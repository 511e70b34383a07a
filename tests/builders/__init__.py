"""Builders for tests: posts, channels, workspaces and git remotes, written once.

Tests build what they need from these instead of pasting the same post or rebuilding the same
workspace-and-remote fixture:

* :mod:`builders.posts`: a post file's text (``post(...)``) and ``brand/channels.yaml`` text
  (``channels(...)``), and a ledger file as the publish job writes it (``ledger(...)``);
* :mod:`builders.workspaces`: a copy of ``tests/fixtures/base`` with overlays, and that copy
  committed to a bare remote with a working clone (``published``), as CI sees a repository;
* :mod:`builders.remotes`: real git: a bare remote on disk, clones, and what the remote holds
  (a file, the log, a channel's ledger record: ``ledger_record(remote, "x")``);
* :mod:`builders.runs`: job options as a test publishes against a fake (``pushing(...)``).
"""
