"""People and how they sign in: registration, sessions, API keys, users, groups and their scope."""
