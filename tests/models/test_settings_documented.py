"""Every setting is documented once in the README's Settings table, with its real default."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr

from models.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<name>[A-Z][A-Z0-9_]*)` \| (?P<default>[^|]*) \|")
# Defaults that the README says in words because their value is long.
IN_WORDS = {"CATEGORIES": "every `cs.*` category"}


def _settings_rows() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if match := ROW.match(line):
            rows.setdefault(match["name"], []).append(match["default"].strip())
    return rows


def _documented_default(name: str) -> str:
    if name in IN_WORDS:
        return IN_WORDS[name]
    value = Settings.model_fields[name].get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return f"`{value}`" if value not in ("", None) else "(empty)"


def test_every_setting_has_one_row_with_its_default() -> None:
    rows = _settings_rows()
    for name in Settings.model_fields:
        assert name in rows, f"{name} is missing from the README's Settings table"
        assert len(rows[name]) == 1, f"{name} has {len(rows[name])} rows in the Settings table"
        assert rows[name][0] == _documented_default(name), f"{name}: README default differs"


def test_the_table_names_only_real_settings() -> None:
    unknown = set(_settings_rows()) - set(Settings.model_fields)
    assert not unknown, f"the README documents settings that do not exist: {sorted(unknown)}"


def test_no_setting_is_described_twice_anywhere_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        count = len(re.findall(rf"^\| `{name}`", text, flags=re.MULTILINE))
        assert count == 1, f"{name} heads {count} table rows in the README"
