"""In-app notifications and e-mail through an outbox."""
