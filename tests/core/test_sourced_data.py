"""The one Sourced/Source/Status type: data-file reading and the text shown next to values."""

from __future__ import annotations

import pytest

from intrathecal.core.catalogue import load_catalogue
from intrathecal.core.quantities import Volume
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Source,
    Sourced,
    Status,
    read_volume,
    sourced,
)


def test_plain_citation_becomes_short_name_and_citation_with_whitespace_folded() -> None:
    entry = {"value": "2 mL", "status": "literature", "source": "Smith 2020,\n  table 3"}
    value = sourced(entry, "test.entry", read_volume)
    assert value.value == Volume(2, "mL")
    assert value.source == Source("", "Smith 2020, table 3", "Smith 2020, table 3")
    assert value.status is Status.LITERATURE
    assert value.tag() == "(literature)"
    assert value.attribution() == "Smith 2020, table 3, literature"


def test_a_given_short_name_is_what_messages_print_while_the_citation_stays_whole() -> None:
    entry = {"value": "20 mL", "status": "unverified", "source": "A long maker's reference"}
    value = sourced(entry, "pumps.yaml: x", read_volume, key="pumps.yaml", short="Pump X")
    assert value.source.citation == "A long maker's reference"
    assert value.attribution() == "Pump X, unverified default"
    assert value.tag() == "(unverified default)"


def test_project_and_caller_values_say_unverified_without_default() -> None:
    own = Sourced(
        1, Source("project", "project choice", "Chosen by the project."), Status.UNVERIFIED
    )
    assert own.unverified
    assert own.attribution() == "project choice, unverified"


@pytest.mark.parametrize("status", [None, "guess", 3])
def test_an_unknown_status_is_refused_with_the_allowed_list(status: object) -> None:
    entry = {"value": "2 mL", "status": status, "source": "x"}
    with pytest.raises(InvalidDataFile, match="label, guideline, literature, unverified"):
        sourced(entry, "test.entry", read_volume)


def test_catalogue_values_use_the_shared_types() -> None:
    morphine = load_catalogue().get("morphine")
    assert isinstance(morphine.max_daily_dose, Sourced)
    assert isinstance(morphine.max_daily_dose.source, Source)
    assert isinstance(morphine.max_daily_dose.status, Status)
