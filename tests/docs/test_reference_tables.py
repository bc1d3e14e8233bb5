"""The reference tables of the docs are held to what they describe: the admin API's routes to
docs/openapi.json, the settings to the settings model, the modules scripts may import to the
sandbox's allow-lists, the alarms to the template and the metrics to the engine."""

from __future__ import annotations

import json
import re

from tests.docs.samples import REPO
from webhook_engine.sandbox.members import MEMBERS, WITHHELD
from webhook_engine.settings import Settings
from webhooks_testbed.template import load_template

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def rows(page: str, section: str) -> list[list[str]]:
    """The cells of the table rows under the heading `section` of `page`."""
    text = (REPO / page).read_text(encoding="utf-8")
    part = re.split(rf"^#+ {re.escape(section)}\n", text, flags=re.MULTILINE)[1]
    part = re.split(r"^#+ ", part, flags=re.MULTILINE)[0]
    lines = part.splitlines()
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line, after in zip(lines, [*lines[1:], ""], strict=True)
        if line.startswith("| ") and not after.startswith("|---")
    ]


def quoted(cell: str) -> list[str]:
    """The words inside backticks of a cell."""
    return [word for span in re.findall(r"`([^`]+)`", cell) for word in span.split()]


def test_the_admin_route_table_lists_every_route_of_the_openapi_document():
    # Given the routes the document lists, and the two it does not describe
    document = json.loads((REPO / "docs/openapi.json").read_text(encoding="utf-8"))
    listed = {(m.upper(), p) for p, methods in document["paths"].items() for m in methods}
    undocumented = {("GET", "/openapi.json"), ("GET", "/swagger")}

    # When the guide's table is read
    table = set()
    for cells in rows("docs/guide/admin-and-cli.md", "The admin API"):
        *methods, path = cells[0].strip("`").split()
        table |= {(method, path) for method in methods}

    # Then it names exactly those routes
    assert table == listed | undocumented


def test_the_settings_table_gives_each_settings_default():
    # Given the environment settings the operations page names (after the parameters)
    variables = [r for r in rows("docs/operations.md", "Parameters") if r[0].strip("`").isupper()]

    for name, default, _ in variables:
        # When the settings model is asked
        field = Settings.model_fields.get(name.strip("`").lower())

        # Then it reads that variable, with that default
        assert field is not None, name
        assert f"`{field.default}`" == default, name


def test_the_module_table_gives_what_the_sandbox_gives():
    # Given the guide's table of what each module gives scripts
    table = {cells[0].strip("`"): cells for cells in rows("docs/guide/scripts.md", "Modules")}

    # Then every module scripts may import has a row
    assert set(table) == set(MEMBERS)
    for module, (_, given, withheld) in table.items():
        # When the names of its cells are compared with the allow-lists
        named = [w for w in quoted(given) if _IDENTIFIER.match(w) and w != module]
        refused = [w for w in quoted(withheld) if _IDENTIFIER.match(w)]

        # Then each name given is a member, and each name withheld is withheld
        assert [w for w in named if w not in MEMBERS[module]] == [], module
        assert [w for w in refused if w not in WITHHELD.get(module, {})] == [], module


def test_the_alarm_table_lists_the_templates_alarms_and_the_engines_metrics():
    # Given the template's alarms, and the engine's code, where each metric is named once
    template = load_template()
    alarms = {
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }
    other_names = {*alarms, *template["Parameters"], *template["Outputs"], "IncomingWebhooks"}
    engine = "".join(p.read_text() for p in (REPO / "layers/engine").rglob("*.py"))
    text = (REPO / "docs/operations.md").read_text(encoding="utf-8")
    section = text.split("## Alarms and metrics", 1)[1].split("\n## ", 1)[0]

    # When the page's alarms and metrics are read
    table = {cells[0].strip("`") for cells in rows("docs/operations.md", "Alarms and metrics")}
    metrics = set(re.findall(r"`([A-Z][a-z]+(?:[A-Z][a-z]+)+)`", section)) - other_names

    # Then the table lists exactly the alarms, and every metric named is one the engine emits
    assert table == alarms
    assert {m for m in metrics if f'"{m}"' not in engine} == set()
