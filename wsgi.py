"""Entry point for `flask` (FLASK_APP=wsgi) and for gunicorn (`gunicorn wsgi:app`)."""
from incubator import create_app

app = create_app()
