"""``RemoteMonitor``: POST each epoch's logs to an HTTP server (standard library only)."""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

from lamella.engine.callbacks import Callback


def _plain(value):
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


class RemoteMonitor(Callback):
    """Send an HTTP POST to ``root + path`` at the end of every epoch, as Keras does.

    The payload is ``{'epoch': epoch, **logs}`` (0-based epoch). With ``send_as_json`` it is
    the request body with ``Content-Type: application/json``; otherwise it is a form field
    ``field`` holding the JSON text (``application/x-www-form-urlencoded``). ``headers`` are
    added to the request. It uses ``urllib`` from the standard library (Keras needs
    ``requests``); ``timeout`` (seconds, lamella's addition) bounds each request so a dead
    server cannot stall training. An unreachable server gives a warning, not an error.

    Example::

        monitor = RemoteMonitor(root="http://localhost:9000", send_as_json=True,
                                headers={"Authorization": "Bearer token"})
        model.fit(x, y, epochs=5, callbacks=[monitor])
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False, timeout=10.0):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = _plain(value)
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.root + self.path, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        for name, value in (self.headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered; like requests, an error status is not "unreachable"
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn("Warning: could not reach RemoteMonitor root server at " + str(self.root),
                          stacklevel=2)
