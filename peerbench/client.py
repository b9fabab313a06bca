"""A Python client for a peerbench pool server.

Example:
    >>> with PeerbenchClient("https://pool.example.org", key) as client:  # doctest: +SKIP
    ...     result = client.submit([Path("export/")], "2026-Q3")
    ...     result.status, result.rows
    ('accepted', 30000)

The server URL and key come from the arguments, else ``PEERBENCH_SERVER`` /
``PEERBENCH_KEY``, else the config file (see :mod:`peerbench.client_config`). The key
is sent only in the ``Authorization`` header and never appears in ``repr``, messages or
exceptions.
"""

from __future__ import annotations

import builtins
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from peerbench.api.schemas import (
    BenchmarkPage,
    FunnelPage,
    MetaAnalysisPage,
    SubmissionList,
    SubmissionPublic,
)
from peerbench.client_config import load_config
from peerbench.client_upload import CountingReader, upload_files
from peerbench.extracts.archive import unpack
from peerbench.extracts.manifest import ExtractManifest, read_manifest
from peerbench.extracts.staging import check_target
from peerbench.server.db.models import SubmissionStatus as Status
from peerbench.server.service_pages import merge_pages

Progress = Callable[[int, int], None]
"""Called as ``progress(bytes_sent, bytes_total)`` while uploading."""

SERVICES_PER_REQUEST = 1000
"""Services per page when :meth:`PeerbenchClient.benchmarks` follows every page (the API's most)."""
FINISHED = frozenset({Status.ACCEPTED, Status.REJECTED, Status.FAILED})


class SubmissionStatus(SubmissionPublic):
    """A submission as the server reports it, with a few conveniences."""

    @property
    def finished(self) -> bool:
        """True once the server has reached a verdict (or failed)."""
        return self.status in FINISHED

    @property
    def accepted(self) -> bool:
        """True when the data is in the pool."""
        return self.status is Status.ACCEPTED


class PeerbenchError(Exception):
    """The server refused or failed a request; carries its error envelope.

    Attributes:
        status: HTTP status (0 when the server could not be reached).
        code: The envelope's stable code (``rate-limited``, ``unauthorized`` …).
        details: The envelope's details.
    """

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class SubmissionTimeout(PeerbenchError):
    """The server had not finished processing within the wait allowed."""


class PeerbenchClient:
    """Submit data to a peerbench server and follow it to a verdict.

    Args:
        server_url: Base URL, e.g. ``https://pool.example.org`` (else env or config).
        key: API key (else env or config).
        timeout: Seconds allowed for each HTTP request.
        http: An ``httpx.Client`` to send requests through instead of a new one (tests
            pass FastAPI's ``TestClient`` to talk to an in-process app).
        config_path: Config file to read instead of the default location.
    """

    def __init__(
        self,
        server_url: str | None = None,
        key: str | None = None,
        *,
        timeout: float = 60.0,
        http: httpx.Client | None = None,
        config_path: Path | None = None,
    ) -> None:
        config = load_config(server_url, key, path=config_path)
        self.server_url = config.server
        self._key = config.key
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"PeerbenchClient({self.server_url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool (not one passed in)."""
        if self._owns_http:
            self._http.close()

    # ------------------------------------------------------------------ plumbing
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._key.get_secret_value()}"}
        headers.update(kwargs.pop("headers", None) or {})
        url = path if path.startswith("http") else f"{self.server_url}{path}"
        try:
            # The timeout is the client's own (set when it was made), not per request.
            response = self._http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            # str(exc) names the URL at most; headers (the key) are never in it.
            raise PeerbenchError(
                0, "unreachable", f"cannot reach {self.server_url}: {exc}"
            ) from None
        if response.status_code >= 400:
            raise _error(response)
        return response

    # ------------------------------------------------------------------ the API
    def submit(
        self,
        paths: Sequence[Path],
        period: str,
        *,
        idempotency_key: str | None = None,
        wait: bool = True,
        progress: Progress | None = None,
        poll_interval: float = 0.5,
        max_wait: float = 600.0,
    ) -> SubmissionStatus:
        """Upload files (or folders) as one submission for ``period``.

        Args:
            paths: Data files or folders (see :func:`~peerbench.client_upload.upload_files`).
            period: Reporting period, e.g. ``2026-Q3``.
            idempotency_key: Sent as ``Idempotency-Key``: a retry with the same key and
                data returns the first submission instead of creating another; the key
                with other data is refused (409 ``idempotency-key-reused``).
            wait: Poll until the server has a verdict (bounded by ``max_wait``).
            progress: Called with ``(bytes_sent, bytes_total)`` during the upload.
            poll_interval: Seconds between status checks while waiting.
            max_wait: Give up waiting after this many seconds.

        Raises:
            PeerbenchError: the server refused the request.
            SubmissionTimeout: ``wait`` and no verdict within ``max_wait``.
        """
        files = upload_files(paths)
        total = sum(file.stat().st_size for file in files)
        sent = 0

        def report(count: int) -> None:
            nonlocal sent
            sent += count
            if progress is not None:
                progress(min(sent, total), total)

        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with ExitStack() as stack:
            parts = [
                ("files", (f.name, CountingReader(stack.enter_context(f.open("rb")), report)))
                for f in files
            ]
            response = self._request(
                "POST", "/v1/submissions", data={"period": period}, files=parts, headers=headers
            )
        result = SubmissionStatus.model_validate(response.json())
        if wait and not result.finished:
            return self.wait(result.id, poll_interval=poll_interval, max_wait=max_wait)
        return result

    def submit_bundle(
        self,
        bundle: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        wait: bool = True,
        max_wait: float = 600.0,
    ) -> SubmissionStatus:
        """Submit records as JSON (``{"period": …, "outcomes": [...], …}``)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self._request("POST", "/v1/submissions", json=bundle, headers=headers)
        result = SubmissionStatus.model_validate(response.json())
        return self.wait(result.id, max_wait=max_wait) if wait and not result.finished else result

    def status(self, submission_id: str) -> SubmissionStatus:
        """The submission's current state."""
        response = self._request("GET", f"/v1/submissions/{submission_id}")
        return SubmissionStatus.model_validate(response.json())

    def wait(
        self, submission_id: str, *, poll_interval: float = 0.5, max_wait: float = 600.0
    ) -> SubmissionStatus:
        """Poll until the submission is accepted, rejected or failed.

        Raises:
            SubmissionTimeout: still processing after ``max_wait`` seconds.
        """
        deadline = time.monotonic() + max_wait
        delay = min(poll_interval, 0.05)  # quick first checks; small uploads finish fast
        while True:
            result = self.status(submission_id)
            if result.finished:
                return result
            if time.monotonic() + delay > deadline:
                raise SubmissionTimeout(
                    0,
                    "timeout",
                    f"submission {submission_id} is still {result.status.value} after "
                    f"{max_wait:g} s; check later with `peerbench status {submission_id}`",
                )
            time.sleep(delay)
            delay = min(delay * 2, poll_interval)

    def report(
        self, submission_id: str, format: Literal["json", "text", "html"] = "json"
    ) -> dict[str, Any] | str:
        """The validation report: a dict for ``json``, else the rendered text or HTML."""
        response = self._request(
            "GET", f"/v1/submissions/{submission_id}/report", params={"format": format}
        )
        if format == "json":
            data: dict[str, Any] = response.json()
            return data
        return response.text

    def list(
        self, period: str | None = None, *, status: str | None = None, limit: int = 50
    ) -> builtins.list[SubmissionStatus]:
        """Submissions visible to this key, newest first (earlier versions included)."""
        params: dict[str, str | int] = {"limit": limit}
        if period:
            params["period"] = period
        if status:
            params["status"] = status
        response = self._request("GET", "/v1/submissions", params=params)
        page = SubmissionList.model_validate(response.json())
        return [SubmissionStatus.model_validate(item.model_dump()) for item in page.items]

    def _page(self, path: str, params: dict[str, str | None]) -> dict[str, Any]:
        query = {k: v for k, v in params.items() if v is not None}
        data: dict[str, Any] = self._request("GET", path, params=query).json()
        return data

    def benchmarks(
        self,
        *,
        instrument: str | None = None,
        period: str | None = None,
        by: Sequence[str] | None = None,
        network_id: str | None = None,
    ) -> BenchmarkPage:
        """The disclosure-controlled benchmark for this key's scope, every service.

        ``page.result`` is ``BenchmarkResult.to_dict()``; rebuild it with
        :meth:`peerbench.benchmarking.BenchmarkResult.from_dict` if wanted. The API
        pages the per-service section; this follows every page and joins them
        (:func:`peerbench.server.service_pages.merge_pages`).

        Raises:
            PeerbenchError: the server refused the request (researchers: 403).
        """
        params = {
            "instrument": instrument,
            "period": period,
            "by": ",".join(by) if by is not None else None,
            "network_id": network_id,
            "limit": str(SERVICES_PER_REQUEST),
        }
        pages = [self._page("/v1/benchmarks", params)]
        while (paged := pages[-1].get("services_page")) and paged.get("next"):
            following = str(paged["offset"] + paged["limit"])
            pages.append(self._page("/v1/benchmarks", {**params, "offset": following}))
        last = {**pages[0], "result": merge_pages([p["result"] for p in pages])}
        if last.get("services_page"):
            ids = [i for p in pages for i in p["services_page"]["service_ids"]]
            last["services_page"] = {**last["services_page"], "service_ids": ids,
                                     "limit": len(ids), "next": None}  # fmt: skip
        return BenchmarkPage.model_validate(last)

    def funnel(
        self,
        *,
        instrument: str | None = None,
        timepoint: str | None = None,
        metric: str | None = None,
        period: str | None = None,
        network_id: str | None = None,
    ) -> FunnelPage:
        """Funnel-plot points and limits (``mean_change`` or ``reliable_improvement``)."""
        params = {
            "instrument": instrument,
            "timepoint": timepoint,
            "metric": metric,
            "period": period,
            "network_id": network_id,
        }
        return FunnelPage.model_validate(self._page("/v1/benchmarks/funnel", params))

    def meta_analysis(
        self,
        *,
        instrument: str | None = None,
        timepoint: str | None = None,
        by: str | None = None,
        period: str | None = None,
        network_id: str | None = None,
    ) -> MetaAnalysisPage:
        """Pooled random-effects estimates and forest rows; subgroups of ``by`` if given."""
        params = {
            "instrument": instrument,
            "timepoint": timepoint,
            "by": by,
            "period": period,
            "network_id": network_id,
        }
        return MetaAnalysisPage.model_validate(self._page("/v1/benchmarks/meta-analysis", params))

    def report_html(
        self,
        kind: str,
        *,
        service_id: str | None = None,
        network_id: str | None = None,
    ) -> str:
        """A report (service, network, commissioner or quality) as self-contained HTML.

        Raises:
            PeerbenchError: the server refused the request (researchers: 403; a service
                that is not this key's: 404).
        """
        params = _report_params(service_id, network_id)
        return self._request("GET", f"/v1/reports/{kind}", params=params).text

    def report_figures(
        self,
        kind: str,
        *,
        service_id: str | None = None,
        network_id: str | None = None,
    ) -> dict[str, Any]:
        """The key figures of the report :meth:`report_html` returns, as JSON data.

        Raises:
            PeerbenchError: as for :meth:`report_html`.
        """
        params = _report_params(service_id, network_id)
        figures: dict[str, Any] = self._request(
            "GET", f"/v1/reports/{kind}/figures", params=params
        ).json()
        return figures

    def download_extract(
        self,
        out_dir: Path,
        *,
        project: str | None = None,
        organisation_id: str | None = None,
        network_id: str | None = None,
    ) -> ExtractManifest:
        """Download a researcher extract and unpack it into ``out_dir``, all or nothing.

        A researcher key gets its own project and scope; admins choose them.

        Raises:
            PeerbenchError: the server refused the request.
            FileExistsError: ``out_dir`` exists and is not empty.
            ValueError: the download is not a valid extract archive.
        """
        check_target(out_dir)
        params = {
            name: value
            for name, value in (
                ("project", project),
                ("organisation_id", organisation_id),
                ("network_id", network_id),
            )
            if value
        }
        headers = {"Authorization": f"Bearer {self._key.get_secret_value()}"}
        with tempfile.TemporaryFile() as spool:
            try:
                with self._http.stream(
                    "GET", f"{self.server_url}/v1/extracts", params=params, headers=headers
                ) as response:
                    if response.status_code >= 400:
                        response.read()
                        raise _error(response)
                    for chunk in response.iter_bytes():
                        spool.write(chunk)
            except httpx.HTTPError as exc:
                raise PeerbenchError(
                    0, "unreachable", f"cannot reach {self.server_url}: {exc}"
                ) from None
            spool.seek(0)
            unpack(spool, out_dir)
        return read_manifest(out_dir)


def _error(response: httpx.Response) -> PeerbenchError:
    """The envelope of a failed response as an exception."""
    try:
        error = response.json()["error"]
        return PeerbenchError(
            response.status_code, str(error["code"]), str(error["message"]), error.get("details")
        )
    except (ValueError, KeyError, TypeError):
        text = response.text[:200].strip() or response.reason_phrase
        return PeerbenchError(
            response.status_code, "http-error", f"HTTP {response.status_code}: {text}"
        )


def _report_params(service_id: str | None, network_id: str | None) -> dict[str, str]:
    return {k: v for k, v in (("service_id", service_id), ("network_id", network_id)) if v}
