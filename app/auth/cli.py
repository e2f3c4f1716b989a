"""`flask users create EMAIL --role ROLE`."""

import click
from flask.cli import AppGroup

from app.auth import services
from app.auth.models import Role
from app.extensions import db

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--name", default=None, help="Display name (defaults to the e-mail's local part).")
@click.password_option(prompt="Password", help="Asked for when not given.")
def create_user(email, roles, name, password):
    """Create an active user with the given roles."""
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="password")
    try:
        user = services.create_user(
            None, email=email, name=name or email.split("@")[0], password=password, roles=roles
        )
    except services.EmailTaken:
        raise click.ClickException(f"a user with e-mail {email} already exists") from None
    db.session.commit()
    click.echo(f"created {user.email} ({', '.join(sorted(r.value for r in user.roles))})")
