"""Letters by email: the message a liaison office gets (the letter as text, the letter PDF
with the release appended, and the release on its own), and the SMTP transport agencies sends
it with (the chassis' `SmtpTransport`, one per container)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from nameko.extensions import DependencyProvider

from services.chassis.smtp import SmtpTransport, load_smtp_settings


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes


def new_message_id(sender_address: str) -> str:
    """A Message-ID in the platform's mail domain, fixed before the SMTP conversation."""
    domain = sender_address.rpartition("@")[2] or "localhost"
    return make_msgid(idstring="inquiry", domain=domain)


def letter_message(
    *,
    message_id: str,
    sender_address: str,
    sender_name: str,
    reply_to: str | None,
    to_address: str,
    to_name: str,
    subject: str,
    body: str,
    attachments: Sequence[MailAttachment],
) -> EmailMessage:
    """The email to a liaison office: from the platform's address in the office's name,
    replies going to the office."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender_address))
    message["To"] = formataddr((to_name, to_address))
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message.set_content(body)
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


class LetterMailer(DependencyProvider):
    """The container's SMTP transport (it keeps a few connections open between letters)."""

    def setup(self) -> None:
        self.transport = SmtpTransport(load_smtp_settings())

    def stop(self) -> None:
        self.transport.close()

    def kill(self) -> None:
        self.transport.close()

    def get_dependency(self, worker_ctx: Any) -> SmtpTransport:
        return self.transport
