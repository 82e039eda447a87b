"""The RBM (RCS Business Messaging) imitation: Google's RBM API shapes, Virtuoso's
template and bot registration, magic numbers. Self-contained: `build_rbm_app(settings)`
is its ASGI app; `running_rbm_server(settings)` serves it with uvicorn on its own port."""

from cpaas.sandbox.rbm.app import build_rbm_app
from cpaas.sandbox.rbm.server import RunningRbm, running_rbm_server
from cpaas.sandbox.rbm.settings import RbmSandboxSettings

__all__ = ["RbmSandboxSettings", "RunningRbm", "build_rbm_app", "running_rbm_server"]
