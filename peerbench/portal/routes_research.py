"""Researcher pages: home, the data dictionary, and extracts to request and download.

``/research`` and ``/research/extracts`` are for researchers and admins. The data
dictionary describes the published standard (no data), so anyone may read it; the
footer links to it from every page. An extract is built by the same functions as
``GET /v1/extracts`` (:mod:`peerbench.extracts.download`): the same scope rules, the
same zip, the same audit event. The consent, re-keying and disclosure notes are shown
on the request page, and the download needs the researcher to confirm they read them.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from peerbench.extracts.download import (
    EXTRACT_NOTES,
    ExtractRefused,
    ExtractRequestInvalid,
    build_extract_zip,
    extract_scope,
)
from peerbench.portal.deps import CsrfChecked, OptionalUser, PortalCtx, PortalDb, ResearcherUser
from peerbench.portal.errors import PortalForbidden
from peerbench.portal.templating import SECURITY_HEADERS, render
from peerbench.schema.codelists import ALL_CODELISTS
from peerbench.server.db.models import Network, Organisation, Role, User
from peerbench.server.tenancy import NotFoundError, network_member_ids
from peerbench.template.dictionary import DICTIONARY_HEADERS, dictionary_rows

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

ACKNOWLEDGE = "I have read the notes on consent, re-keying and disclosure above"


def _scope_words(user: User) -> str:
    if user.role == Role.ADMIN.value:
        return "any organisation or network you choose"
    if user.network_id:
        return f"the members of network {user.network_id} whose agreements are in force"
    return f"organisation {user.organisation_id}"


@router.get("/research", response_class=HTMLResponse)
def research_home(
    request: Request, user: ResearcherUser, db: PortalDb, ctx: PortalCtx
) -> HTMLResponse:
    """What a researcher may download, for which project, and where to start."""
    members: list[str] = []
    if user.role == Role.RESEARCHER.value and user.network_id:
        members = network_member_ids(db, user.network_id, as_of=ctx.today())
    return render(
        request,
        "research/home.html",
        {
            "title": "Research",
            "project": user.project,
            "scope": _scope_words(user),
            "members": members,
            "notes": EXTRACT_NOTES,
        },
    )


def dictionary_context() -> dict[str, Any]:
    """Every field of the standard by record type, and every code list with its codes."""
    by_type: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for row in dictionary_rows():
        by_type[row[0]].append(row[1:])
    codelists = [
        {
            "name": codelist.codelist_name(),
            "description": codelist.__codelist_description__,
            "codes": [(member.value, member.label) for member in codelist],
        }
        for codelist in ALL_CODELISTS
    ]
    return {"headers": DICTIONARY_HEADERS[1:], "record_types": dict(by_type),
            "codelists": codelists}  # fmt: skip


@router.get("/research/dictionary", response_class=HTMLResponse)
def dictionary(request: Request, user: OptionalUser) -> HTMLResponse:
    """The data dictionary: every field, its type, code list, rule and meaning."""
    return render(
        request, "research/dictionary.html", {"title": "Data dictionary", **dictionary_context()}
    )


def _extract_page(
    request: Request,
    user: User,
    db: PortalDb,
    *,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    is_admin = user.role == Role.ADMIN.value
    organisations: list[tuple[str, str]] = []
    networks: list[tuple[str, str]] = []
    if is_admin:
        organisations = [
            (o.id, f"{o.name} ({o.id})") for o in db.query(Organisation).order_by(Organisation.id)
        ]
        networks = [(n.id, f"{n.name} ({n.id})") for n in db.query(Network).order_by(Network.id)]
    return render(
        request,
        "research/extracts.html",
        {
            "title": "Research extracts",
            "is_admin": is_admin,
            "project": user.project,
            "scope": _scope_words(user),
            "notes": EXTRACT_NOTES,
            "acknowledge": ACKNOWLEDGE,
            "organisations": [("", "Every organisation"), *organisations],
            "networks": [("", "No network"), *networks],
            "errors": errors or [],
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/research/extracts", response_class=HTMLResponse)
def extracts(request: Request, user: ResearcherUser, db: PortalDb) -> HTMLResponse:
    """The extract request form, after the consent and disclosure notes."""
    return _extract_page(request, user, db)


@router.post("/research/extracts", response_model=None)
def download_extract(
    request: Request,
    user: ResearcherUser,
    db: PortalDb,
    ctx: PortalCtx,
    acknowledged: Annotated[str, Form()] = "",
    project: Annotated[str, Form()] = "",
    organisation_id: Annotated[str, Form()] = "",
    network_id: Annotated[str, Form()] = "",
) -> Response:
    """Build the extract and send it as a zip (the same zip as ``GET /v1/extracts``)."""
    values = {"project": project, "organisation_id": organisation_id, "network_id": network_id}
    errors: list[dict[str, str]] = []
    if acknowledged != "yes":
        errors.append({"field_id": "acknowledged", "text": "Confirm that you have read the notes."})
    is_admin = user.role == Role.ADMIN.value
    if is_admin and not project.strip():
        errors.append({"field_id": "project", "text": "Enter the approved project."})
    if is_admin and organisation_id and network_id:
        errors.append(
            {
                "field_id": "organisation_id",
                "text": "Choose an organisation or a network, not both.",
            }
        )
    if errors:
        return _extract_page(request, user, db, errors=errors, values=values, status_code=422)
    try:
        organisations, for_project = extract_scope(
            db,
            user,
            organisation_id=(organisation_id or None) if is_admin else None,
            network_id=(network_id or None) if is_admin else None,
            project=project.strip() or None if is_admin else None,
            as_of=ctx.today(),
        )
    except ExtractRefused as exc:
        raise PortalForbidden(str(exc)) from None
    except (ExtractRequestInvalid, NotFoundError) as exc:
        text = str(exc)
        errors.append({"field_id": "project", "text": text[:1].upper() + text[1:]})
        return _extract_page(request, user, db, errors=errors, values=values, status_code=422)
    built = build_extract_zip(
        ctx,
        db,
        user,
        organisations=organisations,
        project=for_project,
        network_id=(network_id or None) if is_admin else None,
    )
    return FileResponse(
        built.archive,
        media_type="application/zip",
        filename=built.archive.name,
        headers={**SECURITY_HEADERS, "X-Peerbench-Extract-Id": built.manifest.extract_id},
        background=BackgroundTask(shutil.rmtree, built.work, ignore_errors=True),
    )
