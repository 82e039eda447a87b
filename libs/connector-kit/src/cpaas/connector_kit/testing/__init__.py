"""The integration-test world of a connector: real Kafka and PostgreSQL (the platform's
`kafka_settings` and `pg_settings` fixtures), its sandbox served on free ports.

A connector's conftest takes the fixtures it uses from `fixtures` (`kafka`, `db`) and
builds its own world from the pieces here: `StatusStream` (publishes submit and template
events, reads msg.status and template.status), `Database` (SQL on the test's database),
`served` and `webhook_forwarder` (apps on real ports), `Relay` and `relayed_postgres`
(a PostgreSQL the test can cut off), `AnswerTap` (a proxy to the provider that acts the
moment the provider accepted a send).
"""
