"""The request form as a browser posts it, read cheaply.

The form has a file input, so browsers post it as `multipart/form-data` even when no file is
chosen. werkzeug's streaming parser costs about a quarter of a millisecond for the form's
dozen short fields (a `Headers` object and an options-header parse per part), more than the
JSON API spends reading its body: a form submission cost more than an API one. A form without
files is a few kilobytes that are in memory anyway, and browsers write it one way
(RFC 7578, the HTML standard's encoding algorithm): this reads exactly that shape and nothing
else. Anything else (files chosen, a bigger body, a preamble, another header, a quoted
name) is read by werkzeug as before, from the same bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.wrappers import Request

# A form without files is a few kilobytes; bigger bodies (files) are werkzeug's to stream.
SMALL_BODY = 64 * 1024
DISPOSITION = re.compile(rb'form-data; name="([^"\\\r\n]*)"(?:; filename="([^"\\\r\n]*)")?')
BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,./:=?-]{1,70}$")
# The Content-Type header and a part's headers exactly as Chromium and Firefox write them, read
# with one match each; any other spelling takes the general reading below (werkzeug's
# options-header parse and a loop over the header lines cost a form more than its HMACs).
BROWSER_TYPE = re.compile(r"multipart/form-data; boundary=([0-9A-Za-z'()+_,./:=?-]{1,70})")
BROWSER_HEAD = re.compile(
    rb'Content-Disposition: form-data; name="([^"\\\r\n]*)"'
    rb'(?:; filename="([^"\\\r\n]*)"\r\nContent-Type: [^\r\n]*)?\r\n\r\n'
)


@dataclass(frozen=True)
class PostedForm:
    """Each field's values in the order sent, and the files chosen."""

    fields: dict[str, list[str]]
    files: list[FileStorage]

    def first_values(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.fields.items()}

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, ()))


def posted_form(request: Request) -> PostedForm:
    """The posted form: read here when it is a small `multipart/form-data` body in the shape
    browsers send without files, else by werkzeug (same fields, same values)."""
    if request.content_length is not None and request.content_length <= SMALL_BODY:
        typed = BROWSER_TYPE.fullmatch(request.environ.get("CONTENT_TYPE", ""))
        if typed is not None:
            boundary = typed.group(1)
        elif request.mimetype == "multipart/form-data":
            boundary = request.mimetype_params.get("boundary", "")
        else:
            return from_werkzeug(request.form, request.files.getlist("attachments"))
        # Cached: werkzeug reads the same bytes if the shape below is not the usual one.
        read = parse_small(request.get_data(cache=True), boundary)
        if read is not None:
            return PostedForm(read, [])
    return from_werkzeug(request.form, request.files.getlist("attachments"))


def from_werkzeug(form: ImmutableMultiDict[str, str], files: list[FileStorage]) -> PostedForm:
    return PostedForm({name: form.getlist(name) for name in form}, files)


def parse_small(body: bytes, boundary: str) -> dict[str, list[str]] | None:
    """The fields of a multipart body with no file chosen, or None when it is not in the
    shape browsers send (then werkzeug reads it). Values are decoded as UTF-8 (the form's
    `accept-charset`), undecodable bytes replaced, as werkzeug does."""
    if not BOUNDARY.match(boundary):
        return None
    delimiter = b"--" + boundary.encode("ascii")
    if not body.startswith(delimiter + b"\r\n"):
        return None  # a preamble: legal MIME, not what browsers send
    parts = body[len(delimiter) + 2 :].split(b"\r\n" + delimiter)
    if parts[-1] not in (b"--", b"--\r\n"):
        return None  # no closing delimiter, or an epilogue
    fields: dict[str, list[str]] = {}
    for number, part in enumerate(parts[:-1]):
        if number:
            if not part.startswith(b"\r\n"):
                return None  # a delimiter must end its line
            part = part[2:]
        usual = BROWSER_HEAD.match(part)
        if usual is not None:
            content = part[usual.end() :]
            name = usual.group(1).decode("utf-8", "replace")
            found = usual.group(2)
            typed = found is not None
            filename = found.decode("utf-8", "replace") if typed else None
        else:
            head, separator, content = part.partition(b"\r\n\r\n")
            if not separator:
                return None
            read = read_head(head)
            if read is None:
                return None
            name, filename, typed = read
        if filename is None:
            if typed:
                return None  # a field with its own charset: werkzeug honours it
            fields.setdefault(name, []).append(content.decode("utf-8", "replace"))
        elif filename or content:
            return None  # a file chosen: werkzeug streams it
    return fields


def read_head(head: bytes) -> tuple[str, str | None, bool] | None:
    """(name, filename or None, whether a Content-Type was given) from a part's headers, or
    None for anything but one Content-Disposition and at most one Content-Type."""
    name: str | None = None
    filename: str | None = None
    typed = False
    for line in head.split(b"\r\n"):
        key, colon, value = line.partition(b":")
        if not colon:
            return None
        key = key.strip().lower()
        if key == b"content-disposition" and name is None:
            found = DISPOSITION.fullmatch(value.strip())
            if found is None:
                return None
            name = found.group(1).decode("utf-8", "replace")
            if found.group(2) is not None:
                filename = found.group(2).decode("utf-8", "replace")
        elif key == b"content-type" and not typed:
            typed = True
        else:
            return None
    if name is None:
        return None
    return name, filename, typed
