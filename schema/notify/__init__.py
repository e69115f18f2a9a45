"""What tells clients a ticket changed: live subscriptions (schema/notify/events.py)."""
