"""One save path for risks (issue 12): the form, the API and an import allocate references from the same
counter, schedule reviews by the same rule and get the same after-save work (embedding, flag scan)."""

import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import FlagKind
from riskreg.extensions import db
from riskreg.models import Flag, Risk, RiskEmbedding
from riskreg.rules import scoring
from riskreg.services import figures, risks
from riskreg.services.flags import scan as flags
from riskreg.services.flags import similarity
from riskreg.services.transfer import importing
from tests.api.test_risks import _risk_body
from tests.web.test_risks import _risk_form

CSV = "Risk title,There is a risk that,Likelihood,Impact,Risk owner\n{title},{event},3,5,{owner}\n"


def _import(org, title: str, event: str) -> None:
    data = CSV.format(title=title, event=event, owner=org.risk_ln.name).encode()
    _result, outcome = importing.import_file(org.ln.register, data, "one.csv", org.risk_ln)
    assert outcome is not None and len(outcome.created) == 1
    db.session.commit()


def test_form_api_and_import_share_the_allocator_the_schedule_and_the_after_save_work(
    client, sign_in, api_as, org, frozen_clock
):
    sign_in(org.risk_ln)
    form = client.post(
        "/registers/LN/risks/new",
        data=_risk_form(org.risk_ln, title="Saved by the form", event="the form's risk happens"),
    )
    assert form.status_code == 302
    api = api_as(org.risk_ln).post(
        "/registers/LN/risks",
        json=_risk_body(org.risk_ln, title="Saved through the API", event="the API's risk happens"),
    )
    assert api.status_code == 201
    _import(org, "Saved by an import", "the imported risk happens")
    saved = db.session.scalars(sa.select(Risk).where(Risk.register_id == org.ln.register.id).order_by(Risk.id)).all()
    # One reference counter, whichever way the risk came in.
    assert [risk.ref for risk in saved] == ["LN-001", "LN-002", "LN-003"]
    # One schedule rule: residual 3 × 5 on the same day gives the same cadence and date for all three.
    expected = scoring.review_schedule(15, today(), scoring.DEFAULT_RULES)
    assert {(risk.review_frequency_days, risk.next_review_on) for risk in saved} == {expected}
    # The same after-save work: an embedding for each, and each scanned for flags (the import left the
    # category, objective and influence not yet set, so its scan raised 'incomplete').
    embedded = set(db.session.scalars(sa.select(RiskEmbedding.risk_id)))
    assert {risk.id for risk in saved} <= embedded
    incomplete = db.session.scalars(sa.select(Flag.risk_id).where(Flag.kind == FlagKind.INCOMPLETE)).all()
    assert incomplete == [saved[2].id]


def test_after_save_work_is_registered_in_order_and_saving_imports_neither_service(app):
    assert [similarity.embed_saved, flags.scan_saved, figures.risks_saved] == risks.AFTER_SAVE
    imported = {name for name, value in vars(risks).items() if getattr(value, "__name__", "").startswith("riskreg.")}
    assert not imported & {"flags", "similarity", "links"}  # the cycle risks -> flags -> risks is gone


def test_after_save_work_runs_in_stage_order_whatever_registers_first(monkeypatch):
    """The order is the stages', not the imports': a test importing figures before the flag scan once reordered it."""
    monkeypatch.setattr(risks, "AFTER_SAVE", [])
    monkeypatch.setattr(risks, "_STAGE_OF", {})
    ran = []

    def figures_work(saved, actor):
        ran.append("figures")

    def embedding_work(saved, actor):
        ran.append("embedding")

    def flags_work(saved, actor):
        ran.append("flags")

    risks.after_save(risks.Stage.FIGURES)(figures_work)
    risks.after_save(risks.Stage.EMBEDDING)(embedding_work)
    risks.after_save(risks.Stage.FLAGS)(flags_work)
    risks.after_save(risks.Stage.FLAGS)(flags_work)  # registered once
    risks.saved([], None)
    assert ran == ["embedding", "flags", "figures"]
