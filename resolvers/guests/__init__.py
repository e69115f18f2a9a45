"""People without an account: guest submission and single-ticket access tokens."""
