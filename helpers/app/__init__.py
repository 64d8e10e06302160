"""The live app: ``python -m helpers app`` reads house numbers from a webcam and digits drawn with the mouse.

A local web server (:mod:`helpers.app.server`, FastAPI on uvicorn) serves one
static page (``static/``: HTML, CSS and JavaScript, no build step, nothing
fetched from the internet) and answers one picture at a time with the models
the notebooks saved (:mod:`helpers.app.readers`). Taught in ``16_live_camera``.
"""

from __future__ import annotations

import sys
import threading
import webbrowser

DEFAULT_PORT = 8765


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, open_browser: bool = True) -> int:
    """Load the models, start the server and (unless told not to) open the page; return at Ctrl-C.

    ``python -m helpers app``; shown in ``16_live_camera``.
    """
    try:
        import uvicorn

        from .readers import Readers
        from .server import create_app
    except ModuleNotFoundError as err:
        print(f"error: the app needs {err.name}: run `pip install -r requirements.txt` "
              "(or `pip install fastapi uvicorn`).", file=sys.stderr)
        return 1

    import socket

    try:  # a clear message now rather than uvicorn's after the models have loaded
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as err:
        print(f"error: cannot serve on {host}:{port} ({err.strerror}); another program (or another copy of the "
              f"app) may be using the port: pass --port with another number, e.g. --port {port + 1}.",
              file=sys.stderr)
        return 1
    local = host in ("127.0.0.1", "localhost", "::1")
    if not local:
        print(f"warning: serving on {host}: anyone who can reach this machine on port {port} can use the app "
              "and send it pictures. Browsers allow the camera only on localhost or https, so other devices "
              "get the draw and upload tabs only.", file=sys.stderr)
    print("loading the models ...", flush=True)
    readers = Readers()
    for name, state in readers.status().items():
        line = f"  {name:9} " + (f"ready, trained on {state['trained_on']} ({state['profile']} profile)"
                                 if state["ready"] else f"missing: run notebook {state['notebook']}")
        print(line)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    print(f"open {url} (Ctrl-C stops the server)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(create_app(readers), host=host, port=port, log_level="warning")
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    print("stopped.")
    return 0
