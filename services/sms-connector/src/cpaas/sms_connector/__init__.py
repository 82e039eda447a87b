"""The SMS connector: sends `msg.submit.sms` over SMPP 3.4 and turns delivery receipts
into `msg.status` events."""
