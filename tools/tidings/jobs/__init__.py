"""The jobs layer: what the workflows run (publish, collect metrics, resolve, review,
deploy), and the only layer with git and the network together. May import every layer
but ``site`` and ``cli``.
"""
