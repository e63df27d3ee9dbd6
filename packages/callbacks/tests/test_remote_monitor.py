"""RemoteMonitor against an HTTP server started on 127.0.0.1 by the test."""

import contextlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from lamella.testing import toy_model as make_model
from lamella_callbacks import RemoteMonitor


@contextlib.contextmanager
def server(status=200):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            received.append({"path": self.path, "headers": dict(self.headers),
                             "body": self.rfile.read(length).decode("utf-8")})
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_form_post_per_epoch(toy_data):
    x, y = toy_data
    with server() as (root, received):
        make_model().fit(x, y, epochs=2, verbose=0, validation_split=0.25,
                         callbacks=[RemoteMonitor(root=root, headers={"X-Token": "abc"})])
    assert [r["path"] for r in received] == ["/publish/epoch/end/"] * 2
    for epoch, request in enumerate(received):
        assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
        assert request["headers"]["X-Token"] == "abc"
        form = urllib.parse.parse_qs(request["body"])
        payload = json.loads(form["data"][0])
        assert payload["epoch"] == epoch
        assert set(payload) == {"epoch", "loss", "val_loss"}


def test_json_post_with_custom_path_and_field(toy_data):
    x, y = toy_data
    with server() as (root, received):
        make_model().fit(x, y, epochs=1, verbose=0,
                         callbacks=[RemoteMonitor(root=root, path="/log", field="ignored",
                                                  send_as_json=True)])
    (request,) = received
    assert request["path"] == "/log"
    assert request["headers"]["Content-Type"] == "application/json"
    payload = json.loads(request["body"])
    assert payload["epoch"] == 0 and isinstance(payload["loss"], float)


def test_error_status_is_not_a_warning():
    monitor = RemoteMonitor()
    with server(status=500) as (root, received):
        monitor.root = root
        monitor.on_epoch_end(0, {"loss": 1.0})
    assert len(received) == 1


def test_unreachable_server_warns():
    with server() as (root, _):
        pass  # closed again: nothing listens on that port now
    monitor = RemoteMonitor(root=root, timeout=2)
    with pytest.warns(UserWarning, match="could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})
