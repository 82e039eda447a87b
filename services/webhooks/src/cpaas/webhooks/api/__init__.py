"""The internal HTTP API of the webhooks service: the delivery log (`deliveries`)."""
