"""Web views: one module per area (auth, public, scheduler, admin, portal, ...)."""
