"""RBM (Google RCS Business Messaging, as the Virtuoso platform serves it)."""

from cpaas.rcs_connector.providers.rbm.provider import RbmProvider

__all__ = ["RbmProvider"]
