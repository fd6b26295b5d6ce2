"""Parsing of the providers' query parameters."""

from __future__ import annotations

import pytest

from app.errors import InvalidParameter, MissingParameter, UnknownParameter
from app.generator.records import NumberType
from app.providers.parameters import (
    parse_area_code,
    parse_channel_features,
    parse_country_codes,
    parse_prefix,
    parse_stock_features,
    parse_types,
    split_list,
)
from app.web.parameters import reject_unknown_parameters

BIRD_PARAMETERS = ("limit", "pageToken", "countryCodes", "prefix", "types", "features")


def test_lists_may_be_repeated_or_comma_separated() -> None:
    assert split_list(["US,GB", " NL ", "", "DE,"]) == ["US", "GB", "NL", "DE"]


def test_country_codes_are_deduplicated_and_sorted() -> None:
    assert parse_country_codes(["US,GB", "US"]) == ("GB", "US")


@pytest.mark.parametrize(
    ("value", "fragment", "fix"),
    [
        ("us", "upper case", "countryCodes=US"),
        ("USA", "ISO 3166-1 alpha-2", "two upper-case letters"),
        ("XX", "not an ISO 3166-1 alpha-2 country", "real country code"),
        ("1A", "ISO 3166-1 alpha-2", "two upper-case letters"),
    ],
)
def test_bad_country_codes_are_explained(value: str, fragment: str, fix: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_country_codes([value])
    assert fragment in raised.value.message
    assert fix in (raised.value.fix or "")


def test_empty_country_codes_is_an_error() -> None:
    with pytest.raises(InvalidParameter):
        parse_country_codes([","])


def test_prefix_forms() -> None:
    assert parse_prefix("415", has_countries=True) == ("415", None)
    assert parse_prefix("+1415", has_countries=False) == (None, "+1415")


def test_area_code_prefix_needs_countries() -> None:
    with pytest.raises(MissingParameter) as raised:
        parse_prefix("415", has_countries=False)
    assert "countryCodes" in (raised.value.fix or "")
    assert "+1415" not in raised.value.message
    assert "+" in (raised.value.fix or "")


@pytest.mark.parametrize("value", ["+", "+1 415", "41a", "(415)", "+-1"])
def test_prefix_must_be_digits(value: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_prefix(value, has_countries=True)


def test_types_any_of_with_both_syntaxes() -> None:
    assert set(parse_types(["mobile,toll-free", "local"])) == {
        NumberType.MOBILE,
        NumberType.TOLL_FREE,
        NumberType.LOCAL,
    }


def test_unknown_type_suggests_the_right_spelling() -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_types(["toll_free"])
    assert "types=toll-free" in (raised.value.fix or "")


def test_stock_features_map_to_capability_columns() -> None:
    assert parse_stock_features(["sms-inbound,whatsapp", "voice-outbound"]) == (
        "sms_inbound",
        "voice_outbound",
        "whatsapp",
    )
    with pytest.raises(InvalidParameter):
        parse_stock_features(["sms"])


def test_channel_features() -> None:
    assert parse_channel_features("voice,sms") == ("sms", "voice")
    assert parse_channel_features(None) == ()
    with pytest.raises(InvalidParameter) as raised:
        parse_channel_features("sms,fax")
    assert "'fax'" in raised.value.message


def test_empty_channel_features_is_an_error() -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_channel_features("")
    assert "features is empty" in raised.value.message


def test_area_code_must_be_digits() -> None:
    assert parse_area_code("020") == "020"
    with pytest.raises(InvalidParameter):
        parse_area_code("+44")


def test_unknown_parameter_suggests_the_right_name() -> None:
    with pytest.raises(UnknownParameter) as raised:
        reject_unknown_parameters(
            [("countryCode", "US")],
            allowed=BIRD_PARAMETERS,
            aliases={"countryCode": "countryCodes"},
        )
    assert "did you mean countryCodes?" in raised.value.message


def test_unknown_parameter_close_to_a_known_one() -> None:
    with pytest.raises(UnknownParameter) as raised:
        reject_unknown_parameters([("limt", "5")], allowed=BIRD_PARAMETERS)
    assert "did you mean limit?" in raised.value.message


def test_unknown_parameter_without_a_close_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownParameter) as raised:
        reject_unknown_parameters([("zzz", "1")], allowed=BIRD_PARAMETERS)
    assert "pageToken" in (raised.value.fix or "")


def test_single_parameters_may_not_repeat_but_lists_may() -> None:
    received = [("countryCodes", "US"), ("countryCodes", "GB")]
    reject_unknown_parameters(received, allowed=BIRD_PARAMETERS, repeatable=("countryCodes",))
    with pytest.raises(InvalidParameter) as raised:
        reject_unknown_parameters([("limit", "5"), ("limit", "6")], allowed=BIRD_PARAMETERS)
    assert "2 times" in raised.value.message
