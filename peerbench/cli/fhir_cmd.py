"""``peerbench fhir``: instruments as FHIR Questionnaires; outcomes to and from responses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerbench.cli.date_option import optional_iso_date
from peerbench.cli.output import echo_err

if TYPE_CHECKING:  # loaded when a command runs
    from peerbench.schema.instruments import InstrumentRegistry

PARTICIPANT_KEY_SYSTEM = "urn:peerbench:participant-key"
"""``peerbench.fhir.naming.PARTICIPANT_KEY_SYSTEM``, copied so --help imports nothing."""

_register_option = click.option(
    "--register",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also load a local instrument definition (YAML or JSON); repeatable.",
)


def _registry(extra: tuple[Path, ...]) -> InstrumentRegistry:
    from peerbench.schema.instruments import (
        InstrumentDefinitionError,
        InstrumentRegistry,
        default_registry,
    )

    registry = default_registry()
    if not extra:
        return registry
    local = InstrumentRegistry(list(registry))
    try:
        for path in extra:
            local.register_file(path)
    except InstrumentDefinitionError as exc:
        raise click.BadParameter(str(exc), param_hint="--register") from exc
    return local


@click.group()
def fhir() -> None:
    """FHIR R4: instruments as Questionnaires, outcomes as QuestionnaireResponses."""


@fhir.command()
@click.argument("codes", metavar="[INSTRUMENT]...", nargs=-1)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write CODE.questionnaire.json files into (created if missing).",
)
@_register_option
def questionnaire(codes: tuple[str, ...], out: Path, extra: tuple[Path, ...]) -> None:
    """Write instruments as FHIR R4 Questionnaires (all of them when none is named).

    \b
    Example:
        peerbench fhir questionnaire PHQ9 GAD7 --out fhir/
    """
    from peerbench.fhir.questionnaire import write_questionnaires

    registry = _registry(extra)
    try:
        definitions = [registry.get(code) for code in codes] if codes else list(registry)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="INSTRUMENT") from exc
    written = write_questionnaires(definitions, out)
    echo_err(f"{len(written)} Questionnaire(s) written to {out}")


@fhir.command("import")
@click.argument(
    "source", metavar="BUNDLE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Outcomes file to write (.jsonl, .csv or .parquet).",
)
@click.option(
    "--subject-system",
    default=PARTICIPANT_KEY_SYSTEM,
    show_default=True,
    help="Identifier system that holds the pseudonymous participant key.",
)
@click.option("--service-id", default=None, help="Service of responses with no service extension.")
@click.option(
    "--timepoint", default=None, help="Timepoint of responses with no timepoint extension."
)
@click.option(
    "--today",
    default=None,
    callback=optional_iso_date,
    help="Check dates as of this day (YYYY-MM-DD) instead of today.",
)
@click.option("--json", "as_json", is_flag=True, help="Findings as JSON on stdout.")
@_register_option
def import_cmd(
    source: Path,
    out: Path,
    subject_system: str,
    service_id: str | None,
    timepoint: str | None,
    today: dt.date | None,
    as_json: bool,
    extra: tuple[Path, ...],
) -> None:
    """Turn FHIR QuestionnaireResponses (a Bundle or NDJSON) into outcome records.

    Every response must be valid; otherwise the problems are listed, nothing is written
    and the exit code is 1.

    \b
    Example:
        peerbench fhir import responses.json --out outcomes.jsonl
    """
    from peerbench.fhir.importer import ImportOptions, import_file
    from peerbench.fhir.outcomes import SUFFIX_FORMATS, write_outcomes

    if out.suffix.lower() not in SUFFIX_FORMATS:
        raise click.BadParameter(
            "the name must end in .jsonl, .csv or .parquet", param_hint="--out"
        )
    options = ImportOptions(subject_system, service_id, timepoint, today)
    result = import_file(source, _registry(extra), options)
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in result.findings], indent=2))
    else:
        for f in result.findings:
            echo_err(f"{f.severity.value}: {f.location(result.unit)}: {f.message} [{f.code}]")
            echo_err(f"  fix: {f.hint}")
    if not result.valid:
        echo_err(f"Nothing written: {source} has problems ({result.responses} response(s) read).")
        click.get_current_context().exit(1)
    write_outcomes(result.records, out)
    echo_err(
        f"{len(result.records)} outcome record(s) from {result.responses} response(s) "
        f"written to {out}"
    )


@fhir.command()
@click.argument(
    "source", metavar="OUTCOMES", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write: a Bundle (.json) or NDJSON (.ndjson).",
)
@click.option(
    "--today",
    default=None,
    callback=optional_iso_date,
    help="Check dates as of this day (YYYY-MM-DD) instead of today.",
)
@_register_option
def export(source: Path, out: Path, today: dt.date | None, extra: tuple[Path, ...]) -> None:
    """Write a valid outcomes file as FHIR QuestionnaireResponses.

    OUTCOMES (CSV, Excel, JSON Lines or Parquet) is validated first; if it is not valid,
    the problems are listed, nothing is written and the exit code is 1.

    \b
    Example:
        peerbench fhir export outcomes.csv --out responses.json
    """
    from peerbench.fhir.outcomes import read_outcomes
    from peerbench.fhir.responses import write_responses

    suffix = out.suffix.lower()
    if suffix not in (".json", ".ndjson"):
        raise click.BadParameter("the name must end in .json or .ndjson", param_hint="--out")
    registry = _registry(extra)
    records, problems, workers = read_outcomes(source, registry, today=today)
    if problems is not None:
        echo_err(problems.rstrip("\n"))
        echo_err(f"Nothing written: {source} is not valid.")
        click.get_current_context().exit(1)
    count = write_responses(records, registry, out, ndjson=suffix == ".ndjson")
    if workers:
        echo_err(
            f"{workers} peer worker questionnaire(s) left out: only participants' are exported"
        )
    kind = "NDJSON" if suffix == ".ndjson" else "a Bundle"
    echo_err(f"{count} QuestionnaireResponse(s) written to {out} as {kind}")
