"""The request form's own multipart reader reads what werkzeug reads, for the shape browsers
send, and hands everything else back to werkzeug."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Request

from services.intake.portal.multipart import SMALL_BODY, parse_small, posted_form
from services.intake.tests.support import OFFICE, Portal, count, hidden_value, rows

BOUNDARY = "----WebKitFormBoundaryq7ZGmT3bYd0x2fKe"  # as Chromium makes them
EMPTY_FILE = (
    'Content-Disposition: form-data; name="attachments"; filename=""\r\n'
    "Content-Type: application/octet-stream\r\n\r\n"
)


def browser_body(
    fields: list[tuple[str, str]], *, empty_file: bool = True, boundary: str = BOUNDARY
) -> bytes:
    """A form as Chromium and Firefox post it: UTF-8, CRLF, one part a field, the empty file
    input as a nameless part with no content."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    if empty_file:
        parts.append(f"--{boundary}\r\n{EMPTY_FILE}\r\n")
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


def werkzeug_reads(body: bytes, boundary: str = BOUNDARY) -> dict[str, list[str]]:
    request = request_of(body, boundary)
    return {name: request.form.getlist(name) for name in request.form}


def request_of(body: bytes, boundary: str = BOUNDARY) -> Request:
    return Request(
        {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )


# Field names as the HTML standard lets browsers write them: `"`, CR and LF escaped away.
NAMES = st.one_of(
    st.sampled_from(["first_name", "email", "description", "release_agencies", "website"]),
    st.text(min_size=1, max_size=12).filter(
        lambda name: not set(name) & set('"\r\n\\') and "\x00" not in name
    ),
)
# Values hold anything a person can type, textareas' CRLF included, but no delimiter.
VALUES = st.text(max_size=200).map(lambda value: value.replace("\r", "").replace("\n", "\r\n"))


@settings(max_examples=300, deadline=None)
@given(fields=st.lists(st.tuples(NAMES, VALUES), max_size=15), empty_file=st.booleans())
def test_reads_what_werkzeug_reads(fields: list[tuple[str, str]], empty_file: bool) -> None:
    body = browser_body(fields, empty_file=empty_file)
    read = parse_small(body, BOUNDARY)
    if not fields and not empty_file:
        assert read is None  # an empty form: werkzeug's to read
    else:
        assert read == werkzeug_reads(body)


def test_a_field_repeated_keeps_every_value_in_order() -> None:
    body = browser_body([("release_agencies", "SSA"), ("x", "1"), ("release_agencies", "VA")])
    assert parse_small(body, BOUNDARY) == {"release_agencies": ["SSA", "VA"], "x": ["1"]}


def test_bytes_that_are_not_utf8_are_replaced_as_werkzeug_does() -> None:
    body = browser_body([("subject", "x")]).replace(b"\r\n\r\nx\r\n", b"\r\n\r\n\xff\xfe\r\n")
    assert parse_small(body, BOUNDARY) == werkzeug_reads(body) == {"subject": ["\ufffd\ufffd"]}


def file_chosen(body: bytes) -> bytes:
    return body.replace(
        b'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n',
        b'filename="ssa.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n',
    )


UNUSUAL: dict[str, Any] = {
    "a file chosen": lambda body: file_chosen(body),
    "a preamble": lambda body: b"preamble\r\n" + body,
    "an epilogue": lambda body: body + b"epilogue",
    "no closing delimiter": lambda body: body.replace(f"--{BOUNDARY}--".encode(), b""),
    "a field's own charset": lambda body: body.replace(
        b'name="email"\r\n', b'name="email"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n'
    ),
    "another header": lambda body: body.replace(
        b'name="email"\r\n', b'name="email"\r\nContent-Transfer-Encoding: 8bit\r\n'
    ),
    "an escaped quote in a name": lambda body: body.replace(b'name="email"', b'name="e\\"mail"'),
    "a part without headers' end": lambda body: body.replace(b'name="email"\r\n\r\n', b"x"),
    "a bare LF line end": lambda body: body.replace(b'name="email"\r\n', b'name="email"\n'),
}


def test_anything_else_is_left_to_werkzeug() -> None:
    usual = browser_body([("first_name", "Maria"), ("email", "maria@example.org")])
    assert parse_small(usual, BOUNDARY) is not None
    for why, change in UNUSUAL.items():
        assert parse_small(change(usual), BOUNDARY) is None, why
    assert parse_small(usual, "bad boundary with spaces") is None
    assert parse_small(usual, "") is None


def test_werkzeug_reads_what_the_fast_path_leaves() -> None:
    """A form with a file (or any unusual shape) is read by werkzeug from the same bytes."""
    body = file_chosen(browser_body([("first_name", "Maria")]))
    posted = posted_form(request_of(body))
    assert posted.fields == {"first_name": ["Maria"]}
    assert [upload.filename for upload in posted.files] == ["ssa.pdf"]
    assert posted.files[0].stream.read() == b"%PDF-1.4"
    big = browser_body([("description", "x" * SMALL_BODY)])
    assert posted_form(request_of(big)).fields == {"description": ["x" * SMALL_BODY]}


def test_a_form_posted_as_a_browser_does_becomes_a_request(portal: Portal) -> None:
    page = portal.client.get(f"/o/{OFFICE}/").get_data(as_text=True)
    fields = [
        ("form_token", hidden_value(page, "form_token")),
        ("release_text_version", hidden_value(page, "release_text_version")),
        ("website", ""),
        ("first_name", "María"),
        ("last_name", "López"),
        ("email", "maria.lopez@example.org"),
        ("preferred_language", "es"),
        ("category", "social_security"),
        ("agency", "SSA"),
        ("subject", "Pagos suspendidos"),
        ("description", "Mis pagos se suspendieron en agosto.\r\nNadie me llama."),
        ("outcome", "Que vuelvan los pagos."),
    ]
    answer = portal.client.post(
        f"/o/{OFFICE}/",
        data=browser_body(fields),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    assert count(portal.engine, "submissions") == 1
    (stored,) = rows(portal.engine, "submissions")
    assert "Nadie me llama." in stored.description


def test_headers_spelled_otherwise_are_read_the_long_way_to_the_same_fields() -> None:
    """Chromium's exact spelling takes one match a part; other legal spellings (a header's
    case, a space before its value, the file part's type first) read the same fields."""
    usual = browser_body([("first_name", "Ana"), ("email", "ana@example.org")])
    other = usual.replace(
        b"Content-Disposition: form-data", b"content-disposition:  form-data"
    ).replace(
        b'content-disposition:  form-data; name="attachments"; filename=""\r\n'
        b"Content-Type: application/octet-stream",
        b"Content-Type: application/octet-stream\r\n"
        b'content-disposition: form-data; name="attachments"; filename=""',
    )
    assert other != usual
    assert parse_small(other, BOUNDARY) == parse_small(usual, BOUNDARY) == werkzeug_reads(usual)
    assert parse_small(other, BOUNDARY) == {"first_name": ["Ana"], "email": ["ana@example.org"]}


def test_a_content_type_in_another_spelling_still_finds_its_boundary() -> None:
    body = browser_body([("first_name", "Ana")])
    for content_type in (
        f"multipart/form-data; boundary={BOUNDARY}",
        f'Multipart/Form-Data; boundary="{BOUNDARY}"',
        f"multipart/form-data;boundary={BOUNDARY}",
    ):
        request = request_of(body)
        request.environ["CONTENT_TYPE"] = content_type
        assert posted_form(request).fields == {"first_name": ["Ana"]}, content_type
