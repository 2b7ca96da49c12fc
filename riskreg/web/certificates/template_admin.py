"""Administrators edit the certificate template: section titles and assertion statements, added and removed."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.services.certificates import templates
from riskreg.web.access import requires, signed_in
from riskreg.web.certificates.forms import SectionForm, TemplateAssertionForm
from riskreg.web.forms import ConfirmForm, form_refusals, render_form

# Removals are defined last: the access sweep requests routes in this order, and a removal ends what follows.
bp = Blueprint("certificate_template", __name__, url_prefix="/admin/certificate-template")
INDEX = "certificate_template.index"


@bp.route("")
@signed_in
@requires(policy.Action.ADMINISTER)
def index():
    return render_template("certificates/template.html", template=templates.default_template())


def _save(template: str, form, action, done: str, **context):
    """Validate ``form``, run ``action`` (a service call), and go back to the template; refusals stay on the form."""
    if form.validate_on_submit():
        with form_refusals(template, form, **context):
            action()
        flash(done)
        return redirect(url_for(INDEX))
    return render_form(template, form, **context)


@bp.route("/sections/new", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def new_section():
    form = SectionForm()
    return _save(
        "certificates/template_section.html",
        form,
        lambda: templates.add_section(templates.default_template(), form.title.data, current_user),
        "Section added",
        section=None,
    )


@bp.route("/sections/<int:template_section_id>", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def edit_section(template_section_id: int):
    section = templates.get_section(template_section_id)
    form = SectionForm(data={"title": section.title})
    return _save(
        "certificates/template_section.html",
        form,
        lambda: templates.rename_section(section, form.title.data, current_user),
        "Section saved",
        section=section,
    )


@bp.route("/sections/<int:template_section_id>/assertions/new", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def new_assertion(template_section_id: int):
    section = templates.get_section(template_section_id)
    form = TemplateAssertionForm()
    return _save(
        "certificates/template_assertion.html",
        form,
        lambda: templates.add_assertion(section, form.statement.data, current_user),
        "Assertion added",
        section=section,
        assertion=None,
    )


@bp.route("/assertions/<int:template_assertion_id>", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.ADMINISTER)
def edit_assertion(template_assertion_id: int):
    assertion = templates.get_assertion(template_assertion_id)
    form = TemplateAssertionForm(data={"statement": assertion.statement})
    return _save(
        "certificates/template_assertion.html",
        form,
        lambda: templates.edit_assertion(assertion, form.statement.data, current_user),
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
        ConfirmForm(),
        lambda: templates.remove_assertion(assertion, current_user),
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
        ConfirmForm(),
        lambda: templates.remove_section(section, current_user),
        f"Section “{section.title}” removed",
        section=section,
        assertion=None,
    )
