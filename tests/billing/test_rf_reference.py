"""ISO 11649 creditor references: the worked examples, validation, paper format, and every
single-character error caught (checked against python-stdnum's iso11649 as an independent
implementation)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from emsp_tui.billing.documents.rf_reference import (
    format_rf,
    is_valid_rf,
    rf_reference,
    rf_reference_for,
)


@pytest.mark.parametrize(
    ("body", "reference"), [("2348231", "RF712348231"), ("539007547034", "RF18539007547034")]
)
def test_the_worked_examples(body: str, reference: str) -> None:
    assert rf_reference(body) == reference
    assert is_valid_rf(reference)
    assert iso11649.is_valid(reference)


def test_an_invoice_number_becomes_its_letters_and_digits_with_check_digits() -> None:
    reference = rf_reference_for("INV-2026-000123")
    assert reference[4:] == "INV2026000123"
    assert is_valid_rf(reference)
    assert iso11649.is_valid(reference)
    assert reference == "RF98INV2026000123"


def test_the_paper_form_groups_by_four_and_still_validates() -> None:
    assert format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    assert format_rf("RF712348231") == "RF71 2348 231"
    assert is_valid_rf("rf18 5390 0754 7034")


@pytest.mark.parametrize(
    "reference",
    [
        "RF18539007547035",  # last digit changed
        "RF19539007547034",  # check digits changed
        "RF81539007547034",  # check digits swapped
        "XX18539007547034",  # not RF
        "RF18",  # no reference
        "RF18-5390",  # not alphanumeric
        "RF00" + "1" * 22,  # longer than 25
    ],
)
def test_wrong_references_are_refused(reference: str) -> None:
    assert not is_valid_rf(reference)


@pytest.mark.parametrize("body", ["", "A" * 22, "INV/1", "Ä1"])
def test_a_body_that_cannot_be_a_reference_is_refused(body: str) -> None:
    with pytest.raises(ValueError, match="1 to 21"):
        rf_reference(body)


ALPHANUMERIC = string.digits + string.ascii_uppercase


@given(
    body=st.text(ALPHANUMERIC, min_size=1, max_size=21),
    position=st.integers(min_value=0),
    choice=st.integers(min_value=0),
)
def test_every_reference_validates_and_a_mistyped_digit_or_letter_is_caught(
    body: str, position: int, choice: int
) -> None:
    """MOD 97-10 catches any one digit replaced by another digit, or letter by letter (a letter
    typed as a digit changes the length of the number and is caught only most of the time)."""
    reference = rf_reference(body)
    assert is_valid_rf(reference)
    assert iso11649.is_valid(reference)
    index = 4 + position % len(body)
    same_class = string.digits if reference[index].isdigit() else string.ascii_uppercase
    others = same_class.replace(reference[index], "")
    changed = reference[:index] + others[choice % len(others)] + reference[index + 1 :]
    assert not is_valid_rf(changed)
