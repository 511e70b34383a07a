"""The command line: one small module per command; click only parses and prints."""
