"""PDF rendering of the briefs with WeasyPrint: the HTML comes from the same Jinja templates as
the pages (with `pdf=True`), styled by app.css and static/css/print.css (A4, page numbers,
the "Noto Sans CJK JP" font in its Regular and Bold faces for Japanese).

WeasyPrint fetches what the HTML names (stylesheets, images) through `StaticFetcher`, which
loads only files of the app's static folder: URLs under the app's own /static/ path or file://
paths that resolve inside the folder. Anything else (another file, the network, data: URLs)
is refused with ValueError, which WeasyPrint logs and skips, so text a user typed can never
make the server read a file or call out.
"""

import logging
import mimetypes
import os
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from flask import Response, current_app, request
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint logs each step of every rendering at INFO: not for the server's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def static_file(url: str, static_folder: str, static_base: str) -> str:
    """The real path of the static file `url` names, or ValueError. `static_base` is the
    absolute URL of the static folder (e.g. "http://localhost/static/")."""
    root = os.path.realpath(static_folder)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused: {url}")
        path = unquote(parts.path)
    elif parts.scheme in ("http", "https"):
        base = urlsplit(static_base)
        same_site = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
        if not same_site or not parts.path.startswith(base.path):
            raise ValueError(f"refused: {url}")
        path = os.path.join(root, unquote(parts.path[len(base.path) :]))
    else:
        raise ValueError(f"refused: {url}")
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root or not os.path.isfile(real):
        raise ValueError(f"refused: {url}")
    return real


class StaticFetcher(URLFetcher):
    """WeasyPrint's fetcher, limited to the app's static files (see the module docstring)."""

    def __init__(self, static_folder: str, static_base: str):
        super().__init__(timeout=5, allowed_protocols=("file", "http", "https"))
        self.static_folder, self.static_base = static_folder, static_base

    def fetch(self, url, headers=None):
        path = static_file(url, self.static_folder, self.static_base)
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        with open(path, "rb") as file:
            body = file.read()
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})


def static_base() -> str:
    """The absolute URL of the static folder for this request (the HTML's links use it)."""
    return request.host_url.rstrip("/") + current_app.static_url_path + "/"


def fetch(url: str) -> URLFetcherResponse:
    """Fetch a URL as the briefs do (in a request): a static file, or ValueError."""
    return StaticFetcher(current_app.static_folder, static_base()).fetch(url)


@dataclass
class RenderedPdf:
    data: bytes
    pages: int


def render(html: str) -> RenderedPdf:
    """The PDF of a page rendered with pdf=True, and its number of pages."""
    fetcher = StaticFetcher(current_app.static_folder, static_base())
    document = HTML(string=html, base_url=request.host_url, url_fetcher=fetcher).render()
    return RenderedPdf(document.write_pdf(), len(document.pages))


def ascii_name(name: str, fallback: str) -> str:
    """A file name for clients that do not read RFC 5987: the name itself when it is ASCII
    (quotes and separators replaced), else the fallback."""
    if not name.isascii():
        return fallback
    cleaned = "".join(c if c.isalnum() or c in "-._ " else "-" for c in name).strip(" .-")
    return cleaned or fallback


def pdf_response(rendered: RenderedPdf, filename: str, fallback: str) -> Response:
    """A download: application/pdf, attachment with an ASCII name and the real one (UTF-8,
    RFC 5987), never cached."""
    response = Response(rendered.data, mimetype="application/pdf")
    plain = ascii_name(filename, fallback)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
