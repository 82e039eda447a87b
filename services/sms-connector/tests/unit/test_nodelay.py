import socket

from cpaas.sms_connector.smpp.nodelay import set_nodelay_towards


def test_nodelay_is_set_on_the_socket_connected_to_the_smsc_only() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    other = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client, bystander = socket.create_connection(("127.0.0.1", port)), socket.create_connection(other.getsockname())
    try:
        assert not client.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert set_nodelay_towards("127.0.0.1", port) == 1
        assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert not bystander.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert set_nodelay_towards("127.0.0.1", port) == 0  # already set
    finally:
        for sock in (client, bystander, server, other):
            sock.close()
