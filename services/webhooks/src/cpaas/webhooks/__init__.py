"""The webhooks service: signed delivery receipts POSTed to each account's URL, with durable retries."""
