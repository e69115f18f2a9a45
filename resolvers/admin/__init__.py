"""Administration: the CTI tree, statuses, the audit log, the outbox view, seeded defaults."""
