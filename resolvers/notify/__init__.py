"""Who hears about what: recipients, the transactional outbox, email templates and the mailer."""
