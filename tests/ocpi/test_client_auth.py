"""The Authorization header both ways (spec 1.1, pitfall 1) and credentials token minting."""

from __future__ import annotations

import base64

import pytest

from emsp_tui.ocpi.auth import (
    decode_token_header,
    encode_token_header,
    new_credentials_token,
    token_candidates,
)

from .client_support import TOKEN, TOKEN_B64


def test_encodes_the_reference_vector() -> None:
    assert encode_token_header(TOKEN) == f"Token {TOKEN_B64}"


def test_raw_switch_sends_the_token_unencoded_for_old_peers() -> None:
    assert encode_token_header(TOKEN, raw=True) == f"Token {TOKEN}"


def test_encodes_utf8_bytes() -> None:
    header = encode_token_header("tökén")
    assert base64.b64decode(header.removeprefix("Token ")).decode("utf-8") == "tökén"


def test_refuses_an_empty_token() -> None:
    with pytest.raises(ValueError, match="empty"):
        encode_token_header("")


@pytest.mark.parametrize(
    "header",
    [f"Token {TOKEN_B64}", f"Token {TOKEN}", f"token {TOKEN_B64}", f"  Token   {TOKEN_B64}  "],
)
def test_decodes_base64_and_raw(header: str) -> None:
    assert decode_token_header(header) == TOKEN


def test_spec_example_decodes_with_its_trailing_newline_kept_out_of_the_token() -> None:
    # "ZXhhbXBsZS10b2tlbgo=" is base64 of "example-token\n": not a printable token, so the
    # header is taken as a raw token rather than silently yielding "example-token".
    assert decode_token_header("Token ZXhhbXBsZS10b2tlbgo=") == "ZXhhbXBsZS10b2tlbgo="


@pytest.mark.parametrize("header", [None, "", "Token", "Token ", f"Bearer {TOKEN_B64}", "Basic x"])
def test_no_token_without_the_token_scheme(header: str | None) -> None:
    assert decode_token_header(header) is None


def test_candidates_offer_decoded_then_raw() -> None:
    assert token_candidates(f"Token {TOKEN_B64}") == (TOKEN, TOKEN_B64)
    assert token_candidates(f"Token {TOKEN}") == (TOKEN,)


def test_a_non_ascii_credential_is_no_token_rather_than_an_error() -> None:
    # b64decode raises ValueError (not binascii.Error) on a non-ASCII str: it was a 500
    assert token_candidates("Token µ-not-ours") == ()
    assert token_candidates("Token \u00e9QUJD") == ()


def test_round_trip_for_minted_tokens_in_both_forms() -> None:
    for _ in range(50):
        token = new_credentials_token()
        assert decode_token_header(encode_token_header(token)) == token
        assert decode_token_header(encode_token_header(token, raw=True)) == token


def test_minted_tokens_are_printable_ascii_unique_and_fit_64() -> None:
    tokens = {new_credentials_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert 0 < len(token) <= 64
        assert all("!" <= ch <= "~" for ch in token)
    with pytest.raises(ValueError, match="64"):
        new_credentials_token(60)
