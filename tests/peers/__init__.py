"""Real servers the platform adapters are tested against, as pytest plugins."""
