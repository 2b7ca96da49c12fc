"""The certificate template: sections and default assertions each new certificate starts from.

There is one default template, created from riskreg.services.certificates.defaults
the first time it is needed. Administrators edit it; certificates already
prepared keep the sections and assertions they were created with.
"""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from riskreg.extensions import db
from riskreg.models import CertificateTemplate, TemplateAssertion, TemplateSection, User
from riskreg.rules import opinion as opinion_rules
from riskreg.services import NotFoundError, ServiceError, StaleEdit
from riskreg.services.audit import trail as audit
from riskreg.services.certificates.defaults import DEFAULT_SECTIONS

TITLE_MAX = 200
STATEMENT_MAX = 1000
RESPONSIBILITY_MAX = 4000


def default_template() -> CertificateTemplate:
    """The default template with its sections and assertions, created from the defaults if there is none."""
    template = db.session.scalar(
        sa.select(CertificateTemplate)
        .where(CertificateTemplate.is_default.is_(True))
        .options(selectinload(CertificateTemplate.sections).selectinload(TemplateSection.assertions))
        .order_by(CertificateTemplate.id)
        .limit(1)
    )
    return template or _create_default()


def _create_default() -> CertificateTemplate:
    template = CertificateTemplate(name="Certificate of assurance", is_default=True)
    for position, (title, statements) in enumerate(DEFAULT_SECTIONS, start=1):
        section = TemplateSection(position=position, title=title)
        section.assertions = [TemplateAssertion(position=n, statement=text) for n, text in enumerate(statements, 1)]
        template.sections.append(section)
    db.session.add(template)
    db.session.flush()
    audit.record(
        None,
        "certificate_template.created",
        "certificate_template",
        template.id,
        {"sections": [title for title, _statements in DEFAULT_SECTIONS]},
    )
    return template


def _check(text: str, limit: int, required: str, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ServiceError(required)
    if len(text) > limit:
        raise ServiceError(f"{what} must be {limit} characters or fewer")
    return text


def check_title(title: str) -> str:
    return _check(title, TITLE_MAX, "Enter the section title", "The section title")


def check_statement(statement: str) -> str:
    return _check(statement, STATEMENT_MAX, "Enter the assertion", "The assertion")


def get_section(section_id: int) -> TemplateSection:
    section = db.session.get(TemplateSection, section_id)
    if section is None:
        raise NotFoundError()
    return section


def get_assertion(assertion_id: int) -> TemplateAssertion:
    assertion = db.session.get(TemplateAssertion, assertion_id)
    if assertion is None:
        raise NotFoundError()
    return assertion


def _record(actor: User, action: str, entity: str, entity_id: int, changes: dict) -> None:
    audit.record(actor, f"certificate_template.{action}", entity, entity_id, changes)


def check_version(template: CertificateTemplate, expected_version: int | None) -> None:
    """The optimistic lock (issue 18): one version for the whole template, moved by every edit of it."""
    if expected_version is not None and expected_version != template.lock_version:
        raise StaleEdit("certificate template")


def _touch(template: CertificateTemplate) -> None:
    flag_modified(template, "statement")  # an UPDATE of the template row moves its version


def template_statement(template: CertificateTemplate) -> str:
    """The statement of responsibility new certificates start from (riskreg's wording until an admin edits it)."""
    return template.statement or opinion_rules.DEFAULT_STATEMENT


def set_statement(template: CertificateTemplate, text: str, actor: User, expected_version: int | None = None) -> None:
    check_version(template, expected_version)
    text = text.strip()
    if not text:
        raise ServiceError("Enter the statement of responsibility", field="statement")
    if len(text) > RESPONSIBILITY_MAX:
        raise ServiceError(f"The statement must be {RESPONSIBILITY_MAX} characters or fewer", field="statement")
    unknown = opinion_rules.unknown_placeholders(text)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        known = ", ".join("{" + name + "}" for name in opinion_rules.PLACEHOLDERS)
        raise ServiceError(f"riskreg cannot fill {names}: use only {known}", field="statement")
    before = template_statement(template)
    template.statement = text
    _touch(template)
    db.session.flush()
    _record(actor, "statement_changed", "certificate_template", template.id, {"statement": [before, text]})


def add_section(
    template: CertificateTemplate, title: str, actor: User, expected_version: int | None = None
) -> TemplateSection:
    check_version(template, expected_version)
    position = max((section.position for section in template.sections), default=0) + 1
    section = TemplateSection(template=template, position=position, title=check_title(title))
    _touch(template)
    db.session.add(section)
    db.session.flush()
    _record(actor, "section_added", "template_section", section.id, {"title": section.title})
    return section


def _template_of(item: TemplateSection | TemplateAssertion) -> CertificateTemplate:
    return item.template if isinstance(item, TemplateSection) else item.section.template


def _change_text(
    item: TemplateSection | TemplateAssertion, field: str, value: str, actor: User, action: str, expected: int | None
) -> None:
    template = _template_of(item)
    check_version(template, expected)
    before = getattr(item, field)
    if value != before:
        setattr(item, field, value)
        _touch(template)
        db.session.flush()
        _record(actor, action, item.__tablename__, item.id, {field: [before, value]})


def rename_section(section: TemplateSection, title: str, actor: User, expected_version: int | None = None) -> None:
    _change_text(section, "title", check_title(title), actor, "section_renamed", expected_version)


def remove_section(section: TemplateSection, actor: User, expected_version: int | None = None) -> None:
    check_version(section.template, expected_version)
    if len(section.template.sections) <= 1:
        raise ServiceError("The template needs at least one section: add another before removing this one")
    details = {"title": section.title, "assertions": [assertion.statement for assertion in section.assertions]}
    section_id = section.id
    _touch(section.template)
    section.template.sections.remove(section)  # delete-orphan: removed from the collection and the database
    db.session.flush()
    _record(actor, "section_removed", "template_section", section_id, details)


def add_assertion(
    section: TemplateSection, statement: str, actor: User, expected_version: int | None = None
) -> TemplateAssertion:
    check_version(section.template, expected_version)
    position = max((assertion.position for assertion in section.assertions), default=0) + 1
    assertion = TemplateAssertion(section=section, position=position, statement=check_statement(statement))
    _touch(section.template)
    db.session.add(assertion)
    db.session.flush()
    _record(
        actor,
        "assertion_added",
        "template_assertion",
        assertion.id,
        {"section": section.title, "statement": assertion.statement},
    )
    return assertion


def edit_assertion(
    assertion: TemplateAssertion, statement: str, actor: User, expected_version: int | None = None
) -> None:
    _change_text(assertion, "statement", check_statement(statement), actor, "assertion_edited", expected_version)


def remove_assertion(assertion: TemplateAssertion, actor: User, expected_version: int | None = None) -> None:
    check_version(assertion.section.template, expected_version)
    _touch(assertion.section.template)
    details = {"section": assertion.section.title, "statement": assertion.statement}
    assertion_id = assertion.id
    assertion.section.assertions.remove(assertion)
    db.session.flush()
    _record(actor, "assertion_removed", "template_assertion", assertion_id, details)
