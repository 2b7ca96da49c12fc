"""Administrators edit the certificate template: the statement of responsibility, section titles and assertion
statements, added and removed. One optimistic lock covers the whole template (issue 18): a page saved from an
older version is refused with 409 and the current template shown."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.services.certificates import templates
from riskreg.web.access import requires, signed_in
from riskreg.web.certificates.forms import (
    MISSING_VERSION,
    ResponsibilityForm,
    SectionForm,
    TemplateAssertionForm,
    TemplateRemoveForm,
    version_missing,
)
from riskreg.web.forms import form_refusals, refuse, render_form

# Removals are defined last: the access sweep requests routes in this order, and a removal ends what follows.
bp = Blueprint("certificate_template", __name__, url_prefix="/admin/certificate-template")
INDEX = "certificate_template.index"
STALE = (
    "The certificate template was changed by someone else while you were editing it. Your change has not been "
    "saved: check the template as it is now, then try again."
)


@bp.route("")
@signed_in
@requires(policy.Action.ADMINISTER)
def index():
    template = templates.default_template()
    return render_template(
        "certificates/template.html", template=template, statement=templates.template_statement(template)
    )


def _versioned(form_class, **data):
    """A form carrying the template's version as the page shows it (a posted form keeps the posted one)."""
    return form_class(data={**data, "version": str(templates.default_template().lock_version)})


def _save(template: str, form, action, done: str, **context):
    """Validate ``form``, run ``action`` (a service call with the form's version), and go back to the template;
    refusals stay on the form, a stale one with 409, one without its version with 428."""
    if version_missing(form):
        return refuse(template, form, MISSING_VERSION, 428, **context)
    if form.validate_on_submit():
        with form_refusals(template, form, stale=STALE, at_field=True, **context):
            action(form.expected_version)
        flash(done)
        return redirect(url_for(INDEX))
    return render_form(template, form, **context)


@bp.route("/statement", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def statement():
    template = templates.default_template()
    form = _versioned(ResponsibilityForm, statement=templates.template_statement(template))
    return _save(
        "certificates/template_statement.html",
        form,
        lambda version: templates.set_statement(template, form.statement.data, current_user, version),
        "Statement of responsibility saved",
    )


@bp.route("/sections/new", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def new_section():
    form = _versioned(SectionForm)
    return _save(
        "certificates/template_section.html",
        form,
        lambda version: templates.add_section(templates.default_template(), form.title.data, current_user, version),
        "Section added",
        section=None,
    )


@bp.route("/sections/<int:template_section_id>", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def edit_section(template_section_id: int):
    section = templates.get_section(template_section_id)
    form = _versioned(SectionForm, title=section.title)
    return _save(
        "certificates/template_section.html",
        form,
        lambda version: templates.rename_section(section, form.title.data, current_user, version),
        "Section saved",
        section=section,
    )


@bp.route("/sections/<int:template_section_id>/assertions/new", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def new_assertion(template_section_id: int):
    section = templates.get_section(template_section_id)
    form = _versioned(TemplateAssertionForm)
    return _save(
        "certificates/template_assertion.html",
        form,
        lambda version: templates.add_assertion(section, form.statement.data, current_user, version),
        "Assertion added",
        section=section,
        assertion=None,
    )


@bp.route("/assertions/<int:template_assertion_id>", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def edit_assertion(template_assertion_id: int):
    assertion = templates.get_assertion(template_assertion_id)
    form = _versioned(TemplateAssertionForm, statement=assertion.statement)
    return _save(
        "certificates/template_assertion.html",
        form,
        lambda version: templates.edit_assertion(assertion, form.statement.data, current_user, version),
        "Assertion saved",
        section=assertion.section,
        assertion=assertion,
    )


@bp.route("/assertions/<int:template_assertion_id>/delete", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def delete_assertion(template_assertion_id: int):
    assertion = templates.get_assertion(template_assertion_id)
    return _save(
        "certificates/template_delete.html",
        _versioned(TemplateRemoveForm),
        lambda version: templates.remove_assertion(assertion, current_user, version),
        "Assertion removed",
        section=assertion.section,
        assertion=assertion,
    )


@bp.route("/sections/<int:template_section_id>/delete", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def delete_section(template_section_id: int):
    section = templates.get_section(template_section_id)
    return _save(
        "certificates/template_delete.html",
        _versioned(TemplateRemoveForm),
        lambda version: templates.remove_section(section, current_user, version),
        f"Section “{section.title}” removed",
        section=section,
        assertion=None,
    )
