"""The domain: every business rule lives here. Plain async functions (actor, inputs) -> models."""
