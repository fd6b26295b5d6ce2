"""What the journal keeps of a body: its first 64 KiB as text, marked when cut."""

from __future__ import annotations

from app.journal.repository import body_digest
from app.web import journal
from app.web.journal import MAX_BODY_BYTES, _Body


def _body(*chunks: bytes) -> str | None:
    body = _Body()
    for chunk in chunks:
        body.keep(chunk)
    return body.text()


def test_a_body_is_kept_whole_up_to_64_kib_and_cut_beyond() -> None:
    assert _body() is None
    assert _body(b"") is None
    assert _body(b'{"a":', b"1}") == '{"a":1}'
    exact = b"x" * MAX_BODY_BYTES
    assert _body(exact) == exact.decode()
    cut = _body(b"y" * (MAX_BODY_BYTES - 1), b"zz", b"more")
    assert cut == "y" * (MAX_BODY_BYTES - 1) + "z" + "\n[cut at 64 KiB]"
    assert _body("é".encode() * MAX_BODY_BYTES).endswith("\n[cut at 64 KiB]")  # type: ignore[union-attr]


def test_the_same_answer_is_decoded_once_and_a_big_body_never_remembered() -> None:
    journal._remembered_text.cache_clear()
    answer = b'{"results":[]}'
    first, second = _body(answer), _body(answer)
    assert first is second  # one text: its digest is remembered too
    assert first is not None
    assert body_digest(first) == body_digest('{"results":[]}')
    big = b"b" * (MAX_BODY_BYTES + 1)
    _body(big)
    assert journal._remembered_text.cache_info().currsize == 1
