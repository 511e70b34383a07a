"""The metrics layer: the snapshot format, tidy exports, dashboard numbers and competitor
summaries. Data only: no HTTP (the jobs layer reads the platforms). May import
:mod:`tidings.core` and below.
"""
