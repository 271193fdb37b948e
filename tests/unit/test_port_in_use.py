"""``port_in_use`` answers as the emulator's own bind would (SO_REUSEADDR, like werkzeug)."""

from __future__ import annotations

import socket

from scheduler.local.emulator import HOST, port_in_use


def test_a_listening_port_is_in_use() -> None:
    # GIVEN a socket listening on a port WHEN asked THEN it is in use
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        assert port_in_use(listener.getsockname()[1])


def test_a_port_left_only_in_time_wait_is_free() -> None:
    # GIVEN a server that closed an accepted connection first (its side enters TIME_WAIT,
    # as when the emulator stops with clients still connected) and then stopped listening
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server
    listener.bind((HOST, 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection((HOST, port))
    accepted, _ = listener.accept()
    accepted.close()  # the server's FIN goes first
    client.recv(1)  # the client sees it ...
    client.close()  # ... and answers: the server side now sits in TIME_WAIT
    listener.close()
    # WHEN asked THEN the port is free: a new emulator binds it (SO_REUSEADDR) without error
    assert not port_in_use(port)
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind((HOST, port))
