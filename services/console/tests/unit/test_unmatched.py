from cpaas.console.domain.unmatched import unmatched_counts


def test_unmatched_counts_read_a_prometheus_exposition() -> None:
    text = (
        "# HELP cpaas_unmatched_provider_events_total x\n# TYPE cpaas_unmatched_provider_events_total counter\n"
        'cpaas_unmatched_provider_events_total{connector="wa-connector",reason="unknown_message"} 3.0\n'
        'cpaas_unmatched_provider_events_total{connector="wa-connector",reason="unknown_event_type"} 1.0\n'
        'cpaas_wa_webhooks_total{result="ok"} 9.0\n'
    )
    assert unmatched_counts(text) == {"unknown_message": 3, "unknown_event_type": 1}
