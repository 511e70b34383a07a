"""A brand's own repository, made and kept up to date by the engine.

    engine.py    which engine a brand repository pins: version, wheel URL and hash, commit
    files.py     the files `tidings init` writes, and the one list of engine-owned files
    example.py   the example content: a post per chosen channel, the Instagram image
    init.py      `tidings init`: write a new content repository, git init, first commit
    upgrade.py   `tidings upgrade`: rewrite the engine-owned files for this engine, as a diff
    migrate.py   `tidings migrate`: the format migrations, N → N+1, one function each

Templates live in ``templates/``: ``engine/`` holds the files the engine owns (rewritten by
every upgrade), ``brand/`` the files people own (written once, never touched again). A name
starting ``dot-`` is written with a dot (``dot-github/`` → ``.github/``), so package data
never hides a file.
"""
