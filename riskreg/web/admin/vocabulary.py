"""Risk categories and strategic objectives (issues 16 and 17): list, add, rename and describe, reorder, retire
and reinstate; delete one nothing uses. ``vocabulary`` in the URL is "categories" or "objectives"."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from riskreg.policy import Action
from riskreg.services.administration import vocabulary as admin
from riskreg.web.access import requires, signed_in
from riskreg.web.admin import bp
from riskreg.web.admin.forms import FORM_NAMES, MoveTermForm, NewTermForm, TermForm
from riskreg.web.forms import ConfirmForm, form_refusals, refuse, render_form

# "categories" or "objectives"; any other word is a 404. Static routes such as /admin/units come first.
KIND = "<vocabulary>"
TITLES = {"categories": "Risk categories", "objectives": "Strategic objectives"}


def _words(vocabulary: str) -> dict:
    if vocabulary not in TITLES:
        abort(404)
    return {"vocabulary": vocabulary, "title": TITLES[vocabulary], "noun": admin.NOUN[vocabulary]}


def _back(vocabulary: str):
    return redirect(url_for("admin.vocabulary_index", vocabulary=vocabulary))


@bp.route(f"/{KIND}")
@signed_in
@requires(Action.ADMINISTER)
def vocabulary_index(vocabulary: str):
    return render_template("admin/vocabulary.html", **_listed(vocabulary))


def _listed(vocabulary: str) -> dict:
    """The list page's context: every entry, how many risks use each, the words for this vocabulary."""
    return {"entries": admin.all_entries(vocabulary), "uses": admin.uses(vocabulary), **_words(vocabulary)}


@bp.route(f"/{KIND}/new", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def new_term(vocabulary: str):
    words = _words(vocabulary)
    form = NewTermForm()
    if form.validate_on_submit():
        with form_refusals("admin/vocabulary_form.html", form, at_field=True, entry=None, **words):
            entry = admin.add(
                vocabulary, form.label.data, form.description.data, current_user, form.code.data, FORM_NAMES
            )
        flash(f"{entry.label} added (code {entry.code})")
        return _back(vocabulary)
    return render_form("admin/vocabulary_form.html", form, entry=None, **words)


@bp.route(f"/{KIND}/<entry>/edit", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def edit_term(vocabulary: str, entry: str):
    term = admin.get_entry(vocabulary, entry)
    form = TermForm(data={"label": term.label, "description": term.description})
    if form.validate_on_submit():
        with form_refusals("admin/vocabulary_form.html", form, at_field=True, entry=term, **_words(vocabulary)):
            admin.edit(term, form.label.data, form.description.data, current_user)
        flash(f"{term.label} saved")
        return _back(vocabulary)
    return render_form("admin/vocabulary_form.html", form, entry=term, **_words(vocabulary))


@bp.route(f"/{KIND}/<entry>/move", methods=["POST"])
@signed_in
@requires(Action.ADMINISTER)
def move_term(vocabulary: str, entry: str):
    term = admin.get_entry(vocabulary, entry)
    form = MoveTermForm()
    if not form.validate_on_submit():  # only a crafted request: the page's buttons send up or down
        return refuse("admin/vocabulary.html", form, "Choose up or down", 400, **_listed(vocabulary))
    with form_refusals("admin/vocabulary.html", form, status=400, **_listed(vocabulary)):
        admin.move(term, -1 if form.direction.data == "up" else 1, current_user)
    return _back(vocabulary)


def _confirm(vocabulary: str, entry: str, action: str):
    """The confirmation page, then the change: retire, reinstate or delete."""
    term = admin.get_entry(vocabulary, entry)
    form = ConfirmForm()
    problem = admin.deletion_problem(term) if action == "delete" else None
    context = {"entry": term, "action": action, "problem": problem, **_words(vocabulary)}
    if form.validate_on_submit():
        with form_refusals("admin/vocabulary_confirm.html", form, **context):
            {"retire": admin.retire, "reinstate": admin.reinstate, "delete": admin.delete}[action](term, current_user)
        flash(f"{term.label} {action}d")
        return _back(vocabulary)
    return render_form("admin/vocabulary_confirm.html", form, **context)


@bp.route(f"/{KIND}/<entry>/retire", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def retire_term(vocabulary: str, entry: str):
    return _confirm(vocabulary, entry, "retire")


@bp.route(f"/{KIND}/<entry>/reinstate", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def reinstate_term(vocabulary: str, entry: str):
    return _confirm(vocabulary, entry, "reinstate")


# Registered last of these routes: the access sweep requests them in this order, and deleting comes after.
@bp.route(f"/{KIND}/<entry>/delete", methods=["GET", "POST"])
@signed_in
@requires(Action.ADMINISTER)
def delete_term(vocabulary: str, entry: str):
    return _confirm(vocabulary, entry, "delete")
