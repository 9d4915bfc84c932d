"""intake-web: the constituent portal and intake's public JSON API (Flask), on intake's own
database; `create_app()` builds it."""

from services.intake.portal.app import create_app

__all__ = ["create_app"]
