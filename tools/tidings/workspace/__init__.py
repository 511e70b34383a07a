"""The workspace layer: repository files ⇄ frozen typed objects.

Layout, file reading and atomic writing, YAML with positions, front matter, schema
validation, times, the model, the loader, images and the ledger. No network, no git:
this layer may import nothing of tidings but :mod:`tidings.errors`,
:mod:`tidings.diagnostics` and :mod:`tidings.redaction`.
"""
