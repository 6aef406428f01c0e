from __future__ import annotations

import re

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import PASSWORD, create_staff

HTML = {"Accept": "text/html"}


async def _login_form(client: AsyncClient, path: str = "/login") -> str:
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


async def test_login_page_is_in_bahasa_indonesia_by_default(client: AsyncClient) -> None:
    page = await client.get("/login", headers=HTML)
    assert "Masuk Petugas" in page.text
    assert 'lang="id"' in page.text
    english = await client.get("/login?lang=en", headers=HTML)
    assert "Staff login" in english.text
    assert "cact_lang=en" in english.headers["set-cookie"]


async def test_form_login_redirects_to_the_staff_home(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "proctor", username="pengawas")
    token = await _login_form(client)
    response = await client.post(
        "/login",
        data={"username": "pengawas", "password": PASSWORD, "csrf_token": token, "next": "/staff"},
        headers=HTML,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"
    home = await client.get("/staff", headers=HTML)
    assert home.status_code == 200
    assert "Petugas Uji" in home.text
    assert "Pengawas" in home.text


async def test_form_login_without_its_csrf_token_is_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "admin", username="csrf")
    await _login_form(client)
    response = await client.post(
        "/login",
        data={"username": "csrf", "password": PASSWORD, "csrf_token": "forged"},
        headers=HTML,
    )
    assert response.status_code == 403
    assert "cact_session" not in response.headers.get("set-cookie", "")


async def test_wrong_password_shows_the_form_again_with_an_error(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "admin", username="salah")
    token = await _login_form(client)
    response = await client.post(
        "/login",
        data={"username": "salah", "password": "bukan", "csrf_token": token},
        headers=HTML,
    )
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.text
    assert 'value="salah"' in response.text


async def test_a_staff_page_sends_an_anonymous_browser_to_the_login(client: AsyncClient) -> None:
    response = await client.get("/staff", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff"


async def test_login_never_redirects_to_another_host(client: AsyncClient, db: AsyncSession) -> None:
    await create_staff(db, "admin", username="phish")
    token = await _login_form(client)
    response = await client.post(
        "/login",
        data={
            "username": "phish",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/steal",
        },
        headers=HTML,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"


async def test_logout_form_ends_the_session(client: AsyncClient, db: AsyncSession) -> None:
    await create_staff(db, "editor", username="keluar")
    token = await _login_form(client)
    await client.post(
        "/login", data={"username": "keluar", "password": PASSWORD, "csrf_token": token}
    )
    home = await client.get("/staff", headers=HTML)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert csrf
    response = await client.post("/logout", data={"csrf_token": csrf.group(1)}, headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert (await client.get("/staff", headers=HTML)).status_code == 303


async def test_a_logged_in_user_without_the_role_gets_a_readable_403_page(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "proctor", username="bukaneditor")
    token = await _login_form(client)
    await client.post(
        "/login", data={"username": "bukaneditor", "password": PASSWORD, "csrf_token": token}
    )
    page = await client.get("/editor/items", headers=HTML)
    assert page.status_code == 403
    assert "Peran Anda tidak mengizinkan" in page.text
    assert "Petugas Uji" in page.text  # the header still knows who is logged in


async def test_the_staff_home_links_the_pages_of_each_role(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "editor", "admin", username="duaperan")
    token = await _login_form(client)
    await client.post(
        "/login", data={"username": "duaperan", "password": PASSWORD, "csrf_token": token}
    )
    home = (await client.get("/staff", headers=HTML)).text
    assert home.count('href="/editor/upload"') == 1
    assert 'href="/api/audit"' in home
