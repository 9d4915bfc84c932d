"""The letters every office starts with (version 1 of each, approved by the system): an
inquiry, a follow-up and a referral to a partner organisation."""

from __future__ import annotations

_SALUTATION = '{{ contact.name or "Congressional Liaison" }}'
_STAFF_CONTACT = (
    "{{ caseworker.name }} of my staff"
    "{% if office.phone and office.email %} at {{ office.phone }} or {{ office.email }}"
    "{% elif office.phone %} at {{ office.phone }}"
    "{% elif office.email %} at {{ office.email }}{% endif %}"
)
# The caseworker's own paragraph, when they wrote one, before the letter's thanks.
_EXTRA = """{% if extra_text %}

{{ extra_text }}
{% endif %}"""
_CLOSING = """Sincerely,



{{ office.member_name or office.name }}
{% if office.member_name %}
Member of Congress
{% endif %}"""

_INQUIRY_BODY = f"""Dear {_SALUTATION},

I am writing on behalf of my constituent, {{{{ constituent.name }}}}, who has contacted my office \
for assistance regarding {{{{ case.subject }}}}.
{{% if case.description %}}

In {{{{ constituent.name }}}}'s words: "{{{{ case.description }}}}"
{{% endif %}}

Enclosed is a privacy release signed by {{{{ constituent.name }}}} authorizing the \
{{{{ agency.name }}}} to discuss this matter with my office and to release information to my \
office. To help you locate the records:

Name: {{{{ constituent.name }}}}
{{% if constituent.address_lines %}}
Address: {{{{ constituent.address_lines | join(", ") }}}}
{{% endif %}}
{{% if identifiers.date_of_birth %}}
Date of birth: {{{{ identifiers.date_of_birth }}}}
{{% endif %}}
{{% if identifiers.ssn %}}
Social Security number: {{{{ identifiers.ssn }}}}
{{% endif %}}
{{% if identifiers.claim_number %}}
Claim number: {{{{ identifiers.claim_number }}}}
{{% endif %}}
{{% if identifiers.uscis_receipt %}}
USCIS receipt number: {{{{ identifiers.uscis_receipt }}}}
{{% endif %}}
{{% if identifiers.a_number %}}
A-number: {{{{ identifiers.a_number }}}}
{{% endif %}}
{{% if identifiers.va_file_number %}}
VA file number: {{{{ identifiers.va_file_number }}}}
{{% endif %}}

I would appreciate your looking into this matter and providing my office with a response on \
its current status and any action your agency is able to take. Please reference case \
{{{{ case.reference }}}} in your reply, and direct any questions to {_STAFF_CONTACT}.
{_EXTRA}

Thank you for your attention to this matter. I look forward to your reply.

{_CLOSING}

Enclosure: privacy release
"""

_FOLLOW_UP_BODY = f"""Dear {_SALUTATION},

I recently wrote to your office on behalf of my constituent, {{{{ constituent.name }}}}, \
regarding {{{{ case.subject }}}} (our case {{{{ case.reference }}}}). To date my office has not \
received a final response, and the time your agency indicated for a reply has now passed.

I would be grateful if you could let my office know the current status of this matter and \
when {{{{ constituent.name }}}} can expect a decision. If your agency needs further information \
or documents from my constituent, please tell us and my staff will help obtain them.
{_EXTRA}

Please reference case {{{{ case.reference }}}} in your reply, and direct any questions to \
{_STAFF_CONTACT}. Thank you for your prompt attention to this matter.

{_CLOSING}

Enclosure: privacy release
"""

_REFERRAL_BODY = f"""Dear {{{{ contact.name or "Colleague" }}}},

My office has been assisting my constituent, {{{{ constituent.name }}}}, with a matter \
regarding {{{{ case.subject }}}}. With my constituent's agreement, I am referring \
{{{{ constituent.name }}}} to {{{{ agency.name }}}}, as your organization is well placed to help.
{{% if case.description %}}

In {{{{ constituent.name }}}}'s words: "{{{{ case.description }}}}"
{{% endif %}}
{{% if constituent.phone or constituent.email %}}

{{{{ constituent.name }}}} can be reached\
{{% if constituent.phone %}} by phone at {{{{ constituent.phone }}}}{{% endif %}}\
{{% if constituent.phone and constituent.email %}} or{{% endif %}}\
{{% if constituent.email %}} by email at {{{{ constituent.email }}}}{{% endif %}}.
{{% endif %}}

I would be grateful for any help you can offer. If you need to reach my office about this \
referral, please reference case {{{{ case.reference }}}} and contact {_STAFF_CONTACT}.
{_EXTRA}

Thank you for the work you do for our community.

{_CLOSING}
"""

DEFAULT_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "Congressional inquiry",
        "Congressional inquiry on behalf of {{ constituent.name }} (our reference "
        "{{ case.reference }})",
        _INQUIRY_BODY,
    ),
    (
        "Follow-up",
        "Follow-up: congressional inquiry on behalf of {{ constituent.name }} (our reference "
        "{{ case.reference }})",
        _FOLLOW_UP_BODY,
    ),
    (
        "Referral",
        "Referral of {{ constituent.name }} from the office of "
        "{{ office.member_name or office.name }} (our reference {{ case.reference }})",
        _REFERRAL_BODY,
    ),
)
