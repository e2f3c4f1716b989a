"""Settings: the top bar's menu and the /admin page list every admin page for everyone signed
in (they read them; admins change them)."""

import pytest

from tests.conftest import login

PAGES = {
    "/admin/users": "Users",
    "/admin/sla-policies": "SLA policies",
    "/admin/calendars": "Business calendars",
    "/admin/escalations/health-cadence": "Health update cadence",
    "/admin/reply-templates": "Reply templates",
    "/sponsorships/program": "Program settings",
    "/sponsorships/program#criteria": "Entry and exit criteria",
}


@pytest.mark.parametrize("role", ["admin", "csm"])
def test_settings_menu_and_page_list_every_admin_page(app, client, make_user, role):
    login(client, app, make_user(role))
    menu = client.get("/profile").get_data(as_text=True)
    menu = menu.partition('<details class="settings-menu">')[2].partition("</details>")[0]
    page = client.get("/admin").get_data(as_text=True)
    for url, title in PAGES.items():
        assert f'<a href="{url}" >{title}</a>' in menu
        assert f'<a href="{url}">{title}</a>' in page
    if role == "admin":
        assert "Choose what to change." in page
    else:
        assert "only an admin can change them" in page


def test_users_search_takes_its_own_row(app, client, make_user):
    login(client, app, make_user("admin"))
    html = client.get("/admin/users").get_data(as_text=True)
    assert '<form method="get" class="filters filters-search" role="search">' in html
