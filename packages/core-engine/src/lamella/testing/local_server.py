"""A tiny HTTP server on 127.0.0.1, for testing downloads (``get_file``, dataset plugins)
without a network.

It serves byte strings from a dict, records requests per path, can cut a response off mid-body,
and shuts itself down after ``lifetime`` seconds even if a test forgets to.

Example::

    from lamella.testing import LocalServer

    with LocalServer({"/data.bin": b"payload"}) as server:
        path = lamella.utils.get_file("data.bin", server.url("/data.bin"), cache_dir=tmp)
"""

import contextlib
import http.server
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 10

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def do_GET(self):
        server = self.server
        path = self.path.split("?", 1)[0]
        server.requests.append(path)
        body = server.files.get(path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if path in server.truncate:
            # Promise the whole body, send part of it, then drop the connection.
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            return
        self.wfile.write(body)


class LocalServer:
    """Serve ``files`` (path -> bytes) over HTTP; paths in ``truncate`` are cut off mid-body.

    ``requests`` lists the requested paths in order; ``files`` and ``truncate`` may change
    while it runs.

    Example::

        with LocalServer({"/a.npz": data}, truncate={"/a.npz"}) as server:
            server.url("/a.npz")   # 'http://127.0.0.1:PORT/a.npz'
    """

    def __init__(self, files=None, truncate=(), lifetime=60.0):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.files = dict(files or {})
        self.httpd.truncate = set(truncate)
        self.httpd.requests = []
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False

    @property
    def files(self):
        return self.httpd.files

    @property
    def truncate(self):
        return self.httpd.truncate

    @property
    def requests(self):
        return self.httpd.requests

    @property
    def base_url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path):
        """The full URL of ``path``, e.g. ``server.url("/a.npz")``."""
        return self.base_url + path

    def start(self):
        """Serve in a background thread (``with LocalServer(...)`` calls it); returns self."""
        self._thread.start()
        self._timer.start()
        return self

    def stop(self):
        """Shut the server down; safe to call twice (``with`` and the lifetime timer both do)."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self._thread.join(timeout=5)
