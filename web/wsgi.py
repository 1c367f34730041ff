"""What gunicorn serves: `gunicorn web.wsgi:app`."""

from web import create_app, warn_about_open_intake

app = create_app()
warn_about_open_intake(app)
