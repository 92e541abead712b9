"""Ways in and out: other systems' descriptions of subscriptions and filters, to and from
configs (see docs/interop.md)."""
