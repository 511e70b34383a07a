"""The core layer: pure decisions over a loaded workspace.

Render, plan, text length, media renditions, readability and the one platform table.
No network, no git, no files written; time comes in as a parameter. May import
:mod:`tidings.workspace` and below.
"""
