"""XSRF and CORS protection stay on, and uploads still work inside an iframe on another site (Hugging Face).

The review found XSRF and CORS off (`access-control-allow-origin: *`, cross-origin WebSocket and uploads
accepted: 948 MB pushed into a live session from another origin). The shipped config turns both on; the
Docker image sends the XSRF cookie with SameSite=None so the Space's iframe (a third-party context) keeps
working. These tests run the real server with the shipped .streamlit/config.toml.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.app_server import free_port, serve_command, serving

EVIL = "http://evil.example"
CHROMIUM = shutil.which("chromium")


@contextlib.contextmanager
def app_server(workdir: Path, **env_extra: str):
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "false", "SPOTDIFF_MODEL_DIR": str(workdir)}
    env.update(env_extra)
    url = f"http://127.0.0.1:{port}"
    with serving(serve_command(port), env=env, log_path=workdir / "streamlit.log", url=url):
        yield url


def request(url: str, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> http.client.HTTPResponse:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("xsrf")) as url:
        yield url


def test_an_upload_from_another_site_without_the_token_is_refused(server):
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n' + bytes(1000) + b"\r\n--b--\r\n"
    )
    response = request(
        server,
        "PUT",
        "/_stcore/upload_file/some-session/some-file",
        {"Origin": EVIL, "Content-Type": "multipart/form-data; boundary=b"},
        body,
    )
    assert response.status == 403, response.status  # before XSRF: 400 "Invalid session_id" (the check passed)


def test_no_wildcard_cors_for_another_site(server):
    response = request(server, "GET", "/_stcore/health", {"Origin": EVIL})
    assert response.status == 200
    assert response.getheader("access-control-allow-origin") in (None, server)


def test_a_websocket_from_another_site_is_refused(server):
    response = request(
        server,
        "GET",
        "/_stcore/stream",
        {
            "Origin": EVIL,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    assert response.status != 101, "a page on another site opened a session"


class _HostPage(BaseHTTPRequestHandler):
    """A page on another site that shows the app in an iframe, as huggingface.co shows a Space."""

    app_url = ""

    def do_GET(self):
        page = f'<html><body><iframe id="app" src="{self.app_url}" width="1300" height="950"></iframe></body></html>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(page.encode())

    def log_message(self, *args):
        pass


def upload_in_iframe(app_url: str, picture: Path) -> bool:
    """Open the app inside an iframe on another site and upload a picture there.

    The app is at localhost, the page around it at 127.0.0.1: two sites, as huggingface.co and hf.space are.
    Chromium accepts Secure cookies from http://localhost (a secure context), as it does over HTTPS.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    _HostPage.app_url = app_url.replace("127.0.0.1", "localhost")
    host = ThreadingHTTPServer(("127.0.0.1", 0), _HostPage)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{host.server_address[1]}/")
            frame = page.frame_locator("#app")
            frame.get_by_role("heading", name="Create a puzzle").wait_for()
            frame.get_by_role("radio", name="Upload").click()
            frame.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(picture)
            try:
                frame.get_by_text("at working size").wait_for(timeout=20_000)
                return True
            except PlaywrightTimeout:
                return False
            finally:
                browser.close()
    finally:
        host.shutdown()
        host.server_close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(("same_site", "works"), [("none", True), ("lax", False)])
def test_uploads_in_an_iframe_on_another_site_work_with_the_partitioned_samesite_none_cookie(
    tmp_path, same_site, works
):
    # "none" is what the Docker image sets (the Hugging Face iframe); "lax" (the default) shows why it must.
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (`make system-deps` installs it as root)")
    from PIL import Image
    from skimage import data

    picture = tmp_path / "coffee.jpg"
    Image.fromarray(data.coffee()).save(picture, quality=90)
    with app_server(tmp_path / "app", STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE=same_site) as url:
        assert upload_in_iframe(url, picture) is works
