"""cpaas.router: channel fallback (RCS, then WhatsApp, then SMS) with durable timers."""
