"""The WhatsApp connector: sends `msg.submit.whatsapp` through a WhatsApp provider (the
Cloud API), registers `template.submitted` templates with it, and turns its webhooks
into `msg.status` and `template.status` events."""
