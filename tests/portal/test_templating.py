"""The shared macros render accessible HTML (labels, hints, errors, captions, scopes)."""

from __future__ import annotations

from peerbench.portal.templating import error_for, home_path, nav_links, scope_label, templates
from peerbench.server.db.models import Role, User


def _macro(call: str) -> str:
    source = '{% from "_macros.html" import field, select, error_summary, table, status_tag, '
    source += "finding_list, csrf %}" + call
    return templates.env.from_string(source).render()


def test_a_field_has_its_label_hint_and_error_tied_to_it() -> None:
    html = _macro('{{ field("period", "Period", hint="e.g. 2026-Q3", error="Enter a period") }}')
    assert '<label for="period">Period</label>' in html
    assert 'aria-describedby="period-hint period-error"' in html
    assert 'aria-invalid="true"' in html and 'id="period-error"' in html
    plain = _macro('{{ field("email", "Email", type="email", value="a&b") }}')
    assert "aria-describedby" not in plain and 'value="a&amp;b"' in plain  # escaped
    password = _macro('{{ field("pw", "Password", type="password", value="secret") }}')
    assert "secret" not in password  # a password is never echoed back


def test_a_select_marks_the_chosen_option() -> None:
    html = _macro('{{ select("role", "Role", [("a", "A"), ("b", "B")], value="b") }}')
    assert '<label for="role">Role</label>' in html
    assert '<option value="b" selected>B</option>' in html
    assert '<option value="a">A</option>' in html


def test_the_error_summary_links_to_each_field() -> None:
    html = _macro(
        '{{ error_summary([{"field_id": "email", "text": "Enter an email"}, {"text": "Other"}]) }}'
    )
    assert 'role="alert"' in html and '<a href="#email">Enter an email</a>' in html
    assert "<li>Other</li>" in html
    assert _macro("{{ error_summary([]) }}").strip() == ""


def test_a_table_has_a_caption_and_header_scopes() -> None:
    html = _macro('{{ table("Submissions", ["Period", "Rows"], [["2026-Q3", 12]]) }}')
    assert "<caption>Submissions</caption>" in html
    assert '<th scope="col">Period</th>' in html and '<th scope="row">2026-Q3</th>' in html
    assert "<td>12</td>" in html
    assert "Nothing to show yet." in _macro('{{ table("Empty", ["A"], []) }}')


def test_status_tags_say_the_status_in_words() -> None:
    assert 'class="tag tag--good">Accepted<' in _macro('{{ status_tag("accepted") }}')
    assert 'class="tag tag--bad">Rejected<' in _macro('{{ status_tag("rejected") }}')
    assert 'class="tag tag--neutral">Something new<' in _macro('{{ status_tag("something-new") }}')


def test_findings_are_grouped_with_row_column_and_fix() -> None:
    html = _macro(
        '{{ finding_list([{"code": "E101", "title": "Missing date", "severity": "error", '
        '"fix": "Fill it in", "findings": [{"row": 3, "column": "B", "message": "empty"}]}]) }}'
    )
    assert "Missing date" in html and "E101" in html and "Fill it in" in html
    assert '<th scope="row">3</th><td>B</td><td>empty</td>' in html


def test_navigation_and_home_follow_the_role() -> None:
    analyst = User(id="usr_a", email="a@x.org", role=Role.NETWORK_ANALYST.value, network_id="n1")
    assert home_path(analyst) == "/n/n1"
    assert [link.href for link in nav_links(analyst)][:2] == ["/n/n1", "/n/n1/benchmarks"]
    assert nav_links(analyst)[-1].href == "/account"
    assert nav_links(None) == []
    researcher = User(
        id="usr_r", email="r@x.org", role=Role.RESEARCHER.value, network_id="n1", project="p"
    )
    assert scope_label(researcher) == "Researcher · n1 · p"
    assert error_for([{"field_id": "x", "text": "T"}], "x") == "T"
    assert error_for(None, "x") is None
