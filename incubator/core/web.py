"""Request-wide behaviour: security headers, error pages, template helpers."""
from flask import render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from incubator.core.filesize import format_size
from incubator.core.money import format_cents
from incubator.core.timeutil import format_local, format_received_by, format_timeleft, utcnow

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)



def csp_sending_forms_to(*origins: str) -> str:
    """The policy, with forms also allowed to lead to `origins` (a form whose answer redirects
    to another site, e.g. Stripe's hosted onboarding: browsers check form-action on redirects)."""
    extra = " ".join(o for o in origins if o)
    return CSP.replace("form-action 'self'", f"form-action 'self' {extra}".rstrip())


PRIVATE_EVEN_SIGNED_OUT = {"auth", "invitations"}

ERROR_TITLES = {
    400: "That request could not be understood",
    403: "You are not allowed to do that",
    404: "Page not found",
    405: "That action is not available here",
    413: "That upload is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def possessive(name) -> str:
    """"Second Line Designers" -> "Second Line Designers'", "Bayou Lab" -> "Bayou Lab's"."""
    name = str(name or "").rstrip()
    return f"{name}'" if name[-1:] in ("s", "S") else f"{name}'s"


def init_app(app):
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if current_user.is_authenticated or request.blueprint in PRIVATE_EVEN_SIGNED_OUT:
            # Private pages (and pages whose address holds a token) must not come back
            # from a cache after sign-out.
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "Your form expired or was sent from another page. Go back, reload it and try again."
        return render_template("errors/error.html", code=400, title="The form could not be accepted", message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.response is not None:  # a page of its own, e.g. a form kept on a rate limit's 429
            return error.response
        code = error.code or 500
        title = ERROR_TITLES.get(code, error.name)
        message = {
            404: "There is nothing here, or you do not have access to it.",
            413: "Files may be at most 20 MB, and form fields at most 512 KB.",
            429: "Too many attempts in a short time. Wait a few minutes and try again.",
        }.get(code, error.description)
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(Exception)
    def server_error(error):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from incubator.extensions import db

        db.session.rollback()
        return render_template("errors/error.html", code=500, title=ERROR_TITLES[500],
                               message="The error was logged. Please try again in a moment."), 500

    app.jinja_env.filters["cents"] = format_cents
    app.jinja_env.filters["timeleft"] = format_timeleft
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.filters["possessive"] = possessive
    app.jinja_env.filters["received_by"] = format_received_by

    @app.template_filter("local")
    def local_filter(moment, tz_name=None, fmt="%-d %b %Y, %H:%M %Z"):
        return format_local(moment, tz_name, fmt)

    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def globals_():
        from incubator.core.dashboard import nav_items

        return {"now": utcnow(), "nav_items": nav_items}
