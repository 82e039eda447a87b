"""cpaas.connector_kit: the skeleton of a channel connector.

A connector is its provider(s) behind one small interface, its payloads, its status
mapping table and what is truly its own; the rest is here:

- `runtime.ConnectorKit`: the app, its lifespan (pool, migrations, retention, console
  reader, broker, receipt-deadline sweeper) and its Kafka subscribers;
- `subscriptions`: the submit subscription (batches) and the template one;
- `sends.SendStore`: the send state (`claim`, `record`, `announce`, overdue attempts)
  over the `sends` table every connector's schema has;
- `sending.SendPipeline`: claim, prepare, send, record (`until_written`), announce;
- `statuses`: `StatusMeaning` (a mapping table's entries) and the status events;
- `deadlines`: receipt deadlines (`expire`, `expiring_sweeper`);
- `errors`: `SendError{retryable}` and the webhook errors, all a provider may raise;
- `settings.ConnectorSettings`: the settings every connector has;
- `testing`: the integration-test world (fixtures, Kafka reader, relays, taps).
"""
