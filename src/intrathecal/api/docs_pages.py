"""Interactive API documentation served from the package: no CDN, works offline.

Swagger UI (npm ``swagger-ui-dist`` 5.35.0) and ReDoc (npm ``redoc`` 2.5.4) are vendored
in ``api/static`` with their licences; ``/docs`` and ``/redoc`` point at those copies
under ``/docs-assets``. To update, ``npm pack`` the new versions, copy the same files
with the new version in their names and change the constants below.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).with_name("static")
ASSETS_URL = "/docs-assets"
SWAGGER_UI_VERSION = "5.35.0"
REDOC_VERSION = "2.5.4"


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve ``/docs`` (Swagger UI) and ``/redoc`` from the vendored assets."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title}: Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle-{SWAGGER_UI_VERSION}.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui-{SWAGGER_UI_VERSION}.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title}: ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc-{REDOC_VERSION}.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
            with_google_fonts=False,
        )
