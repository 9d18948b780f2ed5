"""Notices for citizens who left the hall: the webhook adapter of core.ports.Notifier and the
sender that delivers the outbox (queue_server.db.notices writes it)."""
