"""The demo help desk: its content and its loader."""
