"""The check layer: the runner, the diagnostic codes, the reporters and the rules.

Rules are small pure functions ``(Workspace) -> Iterable[Diagnostic]``. May import
:mod:`tidings.core` and below.
"""
