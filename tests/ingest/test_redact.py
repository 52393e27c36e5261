"""Identifiers typed into free text are replaced by typed placeholders (ingest.redact, Presidio's recognisers).

Each kind is checked in the forms people type it; what the library does not find (a 10-digit number with a
wrong check digit, names, dates written in words) is checked too, because docs/contracts.md states it.
"""

from __future__ import annotations

import nhs_number
import pytest

from ingest.redact import redact

VALID = "9434765919"  # a valid modulus-11 check digit (the example of issue 10)
WRONG_CHECK_DIGIT = "9434765910"


def test_the_example_numbers_are_what_the_tests_say():
    """GIVEN the two 10-digit numbers used below WHEN checked by the nhs-number package THEN one is valid."""
    assert nhs_number.is_valid(VALID) and not nhs_number.is_valid(WRONG_CHECK_DIGIT)


@pytest.mark.parametrize("written", ["943 476 5919", "9434765919", "943-476-5919", "999 000 0018"])
def test_nhs_number_with_a_valid_check_digit_is_redacted_spaced_or_not(written):
    """GIVEN a comment with a valid NHS Number, spaced, hyphenated or not (the 999 test range included)
    WHEN redacted THEN it reads [NHS_NUMBER] and one NHS_NUMBER is counted."""
    assert nhs_number.is_valid(written.replace(" ", "").replace("-", ""))
    text, found = redact(f"my NHS number is {written} and my name is Ann")
    assert text == "my NHS number is [NHS_NUMBER] and my name is Ann"
    assert found == {"NHS_NUMBER": 1}


def test_ten_digits_with_a_wrong_check_digit_are_left_as_written():
    """GIVEN a 10-digit number whose check digit is wrong (spaced or not)
    WHEN redacted THEN it stays: to the library it is not an NHS Number (and not a valid UK phone number)."""
    for written in ("943 476 5910", WRONG_CHECK_DIGIT):
        text, found = redact(f"reference {written} on my letter")
        assert text == f"reference {written} on my letter" and not found


@pytest.mark.parametrize("postcode", ["WR5 1DD", "HR1 2ER", "hr1 2er", "WR51DD", "SW1A 1AA", "B1 1AA", "M60 1NW"])
def test_uk_postcodes_are_redacted(postcode):
    """GIVEN a UK postcode in any of its six shapes, upper or lower case, with or without the space
    WHEN redacted THEN it reads [POSTCODE]."""
    text, found = redact(f"I live at {postcode}, near the hospital")
    assert text == "I live at [POSTCODE], near the hospital" and found == {"POSTCODE": 1}


@pytest.mark.parametrize("phone", ["01905 763933", "(01432) 355444", "+44 1432 355444", "07912 345678",
                                   "020 7946 0123", "0113 496 0000", "01905763933"])
def test_uk_telephone_numbers_are_redacted(phone):
    """GIVEN a valid UK number: landline, mobile, London, international form, brackets, no spaces
    WHEN redacted THEN it reads [PHONE_NUMBER]."""
    text, found = redact(f"please ring me on {phone} after six")
    assert text == "please ring me on [PHONE_NUMBER] after six" and found == {"PHONE_NUMBER": 1}


@pytest.mark.parametrize("email", ["ann.smith@example.com", "a_b+c@nhs.net", "someone@example.co.uk"])
def test_email_addresses_are_redacted(email):
    """GIVEN an e-mail address WHEN redacted THEN it reads [EMAIL] (checked against the bundled suffix list:
    no download is attempted)."""
    text, found = redact(f"write to {email} please")
    assert text == "write to [EMAIL] please" and found == {"EMAIL": 1}


@pytest.mark.parametrize("date", ["12/03/2024", "2024-03-12", "12.03.2024", "12-MAR-2024", "12-03-2024", "3/4/24",
                                  "2024/03/12"])
def test_numeric_dates_are_redacted(date):
    """GIVEN a date in one of the numeric forms (and day-month-name-year) WHEN redacted THEN it reads [DATE]."""
    text, found = redact(f"I was seen on {date} in the morning")
    assert text == "I was seen on [DATE] in the morning" and found == {"DATE": 1}


def test_several_identifiers_are_each_replaced_and_counted_by_type():
    """GIVEN a comment with two phone numbers, an NHS Number, an e-mail address, a postcode and a date
    WHEN redacted THEN each is replaced by its own placeholder and counted under its type."""
    text, found = redact("NHS 943 476 5919, ring 01905 763933 or 07912 345678, ann@example.com, WR5 1DD, "
                         "seen 12/03/2024.")
    assert text == "NHS [NHS_NUMBER], ring [PHONE_NUMBER] or [PHONE_NUMBER], [EMAIL], [POSTCODE], seen [DATE]."
    assert found == {"NHS_NUMBER": 1, "PHONE_NUMBER": 2, "EMAIL": 1, "POSTCODE": 1, "DATE": 1}


@pytest.mark.parametrize("comment", [
    "Paid £4.50 to park and waited 5 hours; seen at 10:30 in ward 12, bay 3.",
    "Staff nurse Zoë was kind and explained everything.",
    "Rated 4 out of 5. Could not get a GP appointment for three weeks.",
])
def test_ordinary_comments_are_unchanged(comment):
    """GIVEN comments with prices, times, ward numbers and ratings but no identifier WHEN redacted
    THEN the text is unchanged and nothing is counted."""
    assert redact(comment) == (comment, {})


def test_names_and_dates_in_words_are_not_found():
    """GIVEN a name and a date written in words WHEN redacted THEN both stay: no language model can be
    installed here to find them (docs/contracts.md says so)."""
    comment = "Dr Ann Smith saw me on 3 March 2024"
    assert redact(comment) == (comment, {})


def test_a_score_written_like_a_month_and_year_reads_as_a_date():
    """GIVEN a score written 3/10 WHEN redacted THEN the library's month/year pattern takes it for a date (stated in
    docs/contracts.md: over-redaction, never a leak)."""
    assert redact("I would give them 3/10") == ("I would give them [DATE]", {"DATE": 1})
