"""The message notify hands to SMTP, written out directly, reads as what it says: a mail
client's parser finds the names, addresses, subject and text it was given (the body exactly as
the `EmailMessage` it replaces has it), in plain ASCII with CRLF line ends whatever it carries.
Where EmailMessage's own folding changes a long non-ASCII header (a space put into a name),
this one does not."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notify.domain.acknowledgements import OutgoingEmail
from services.notify.mail import to_mime, wire_bytes, wire_message

UNSUBSCRIBE = "https://portal.example.gov/o/rep-lopez/unsubscribe/tok"
PLAIN_HEADERS = ("Reply-To", "Message-ID", "List-Unsubscribe")

# Names and subjects as people and templates write them: any letters, accents, dashes, quotes,
# emoji; no line breaks (both composers refuse those).
PRINTABLE = st.characters(
    blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85"
)
ONE_LINE = st.text(
    PRINTABLE,
    min_size=1,
    max_size=120,
).filter(lambda text: text.strip() == text)
# Bodies: paragraphs with blank lines, long lines, trailing spaces, lines that are one dot or
# start with "From " or "=".
BODY = st.lists(
    st.one_of(
        st.just(""),
        st.just("."),
        st.just("From the office: ="),
        st.text(PRINTABLE, max_size=200),
    ),
    min_size=1,
    max_size=12,
).map("\n".join)


def outgoing(name: str, subject: str, body: str, *, unsubscribe: bool = True) -> OutgoingEmail:
    return OutgoingEmail(
        sender_name="Office of Rep. Ana López",
        sender_address="casework@localhost",
        to_name=name,
        to_address="maria@example.org",
        reply_to="casework@lopez.example.gov",
        subject=subject,
        body=body,
        message_id="<d-1@localhost>",
        unsubscribe_url=UNSUBSCRIBE if unsubscribe else None,
    )


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def words(text: str) -> list[str]:
    """Text as a parser gives it back: it may read runs of whitespace (a no-break space among
    them) inside an encoded name as one space."""
    return text.split()


def lines(text: str) -> str:
    return text.replace("\r\n", "\n")


def assert_reads_as_to_mime(message: OutgoingEmail) -> None:
    raw = wire_message(message)
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends CRLF
    direct, composed = parsed(raw), parsed(wire_bytes(to_mime(message)))
    for header, name, address in (
        ("From", message.sender_name, message.sender_address),
        ("To", message.to_name, message.to_address),
    ):
        [read] = direct[header].addresses
        assert (words(read.display_name), read.addr_spec) == (words(name), address), header
    assert words(str(direct["Subject"])) == words(message.subject)
    for header in PLAIN_HEADERS:
        assert str(direct[header] or "") == str(composed[header] or ""), header
    assert direct.get_content_type() == "text/plain"
    assert direct.get_content_charset() in ("utf-8", "us-ascii")
    # Line breaks are CRLF on the wire; a parser gives them back as CRLF from quoted-printable
    # and as LF from base64 (which EmailMessage picks for text that is mostly not Latin).
    assert lines(direct.get_content()) == lines(composed.get_content())


@settings(max_examples=200, deadline=None, derandomize=True)
@given(name=ONE_LINE, subject=ONE_LINE, body=BODY)
def test_reads_as_the_email_message_it_replaces(name: str, subject: str, body: str) -> None:
    assert_reads_as_to_mime(outgoing(name, subject, body))


def test_a_spanish_acknowledgement_reads_the_same_and_is_quoted_printable() -> None:
    message = outgoing(
        "María José Núñez de la Fuente y Hernández-Ortiz",
        "Recibimos su solicitud CW-2026-000123 \N{EN DASH} "
        "Pasaporte de María José Núñez de la Fuente",
        "Hola María,\n\n" + "Un miembro del personal se comunicará con usted pronto. " * 5,
    )
    assert_reads_as_to_mime(message)
    assert b"Content-Transfer-Encoding: quoted-printable\r\n" in wire_message(message)


def test_plain_short_lines_go_as_they_are() -> None:
    message = outgoing("Maria Lopez", "We received your request", "Hello Maria,\n\nThanks.\n")
    raw = wire_message(message)
    assert_reads_as_to_mime(message)
    assert raw.endswith(b"\r\n\r\nHello Maria,\r\n\r\nThanks.\r\n")
    assert b"Content-Transfer-Encoding: 7bit\r\n" in raw
    assert raw.startswith(b"From: =?utf-8?")  # the office's name has an accent


def test_without_an_unsubscribe_link_there_are_no_list_headers() -> None:
    raw = wire_message(outgoing("Maria Lopez", "Hello", "Hi", unsubscribe=False))
    assert b"List-Unsubscribe" not in raw


@pytest.mark.parametrize("field", ["to_name", "subject", "reply_to", "message_id"])
def test_a_line_break_in_a_header_value_is_refused_as_email_message_refuses_it(
    field: str,
) -> None:
    import dataclasses

    message = dataclasses.replace(outgoing("Maria", "Hello", "Hi"), **{field: "a\r\nBcc: x@y.z"})
    with pytest.raises(ValueError):
        wire_message(message)


def test_a_subject_keeps_its_plain_words_as_they_are_and_encodes_the_rest() -> None:
    """As EmailMessage writes it: a reader of the raw header (a filter, a test) still finds
    "Please send us some documents" at its start."""
    message = outgoing("Maria", "Please send us some documents \N{EM DASH} CW-2026-000123", "Hi")
    [subject] = [
        line for line in wire_message(message).split(b"\r\n") if line.startswith(b"Subject: ")
    ]
    assert subject.startswith(b"Subject: Please send us some documents =?utf-8?")
    assert subject.endswith(b"?= CW-2026-000123")
    assert_reads_as_to_mime(message)
