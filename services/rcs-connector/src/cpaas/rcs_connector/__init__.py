"""The RCS connector: sends `msg.submit.rcs` through an RCS provider (RBM), turns the
provider's webhook events into `msg.status`, and registers RCS templates and bots."""
