"""The terminal view of a report: a narrow matrix with one mark per pair, then the paths."""

from __future__ import annotations

from rich.console import Console

from infra.ports import PortSet
from infra.report import report_tables
from infra.verify import Finding, PathRow, Report


def _render(report: Report, endpoints: list[str]) -> str:
    console = Console(record=True, width=80, color_system=None)
    for renderable in report_tables(report, endpoints):
        console.print(renderable)
    return console.export_text()


def _row(src: str, dst: str, port: int, intended: bool, observed: bool) -> PathRow:
    return PathRow(src, dst, "tcp", PortSet.single(port), intended, observed)


def test_each_pair_gets_the_mark_of_its_status_and_the_paths_table_names_the_ports():
    report = Report("shop", "aws", False, (
        _row("web", "api", 8080, True, True),
        _row("api", "db", 5432, True, False),
        _row("web", "db", 22, False, True),
    ), (Finding("unintended-path", "web reaches db on tcp/22", ("aws:sg/sg-1#sgr-9",)),))
    text = _render(report, ["web", "api", "db"])
    lines = {line.split()[2]: line for line in text.splitlines() if line.startswith(("│ 1 ", "│ 2 ", "│ 3 "))}
    assert lines["web"].split("│")[2:5] == [" · ", " ✓ ", " + "]
    assert lines["api"].split("│")[2:5] == [" · ", " · ", " - "]
    assert "tcp/22" in text and "unintended" in text and "aws:sg/sg-1#sgr-9" in text
    assert "1 finding(s): the cloud differs from the model" in text


def test_a_pair_with_both_allowed_and_excess_ports_is_marked_mixed():
    report = Report("shop", "aws", False, (
        _row("web", "api", 8080, True, True), _row("web", "api", 8081, False, True)), ())
    text = _render(report, ["web", "api"])
    web = next(line for line in text.splitlines() if line.startswith("│ 1 web"))
    assert web.split("│")[3] == " ± "


def test_the_matrix_of_twelve_endpoints_fits_an_eighty_column_terminal():
    names = [f"segment-{i:02d}" for i in range(12)]
    rows = tuple(_row(a, b, 443, True, True) for a, b in zip(names, names[1:], strict=False))
    text = _render(Report("wide", "aws", True, rows, ()), names)
    matrix = text.split("paths that are intended or observed")[0]
    assert max(len(line) for line in matrix.splitlines()) <= 80
    assert "…" not in matrix
