"""The web application: server-rendered pages (Jinja2 + HTMX) over the clinic use cases.

``install_web(app)`` mounts the pages, the vendored static files and the HTML error pages
into the same FastAPI app as the REST API. Conventions for views and templates are in
``docs/web.md``.
"""

from intrathecal.web.app import install_web

__all__ = ["install_web"]
