"""Importing real-world layouts into a register: preview, commit, re-import, audit, bulk efficiency."""

import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from riskreg.demo.spreadsheet import register_workbook
from riskreg.enums import CountermeasureStatus
from riskreg.extensions import db
from riskreg.importing.mapping import Mapping
from riskreg.models import AuditEvent, Risk
from riskreg.services import ServiceError, registers, vocabulary
from riskreg.services.audit import trail as audit
from riskreg.services.transfer import exporting, importing
from tests.conftest import count_queries
from tests.factories import CountermeasureFactory, RiskFactory
from tests.import_helpers import counts, sample, sample_people

DEFAULTS = Mapping(defaults={"objective": "quality", "influence": "medium"})


def _import(register, name, actor=None, mapping=DEFAULTS, dry_run=False):
    options = importing.ImportOptions.from_mapping(mapping)
    return importing.import_file(register, sample(name), name, actor, options, dry_run)


def _risk(title) -> Risk:
    return db.session.scalar(sa.select(Risk).where(Risk.title == title))


# (file, risks created, rows that cannot be imported)
LAYOUTS = [
    ("title_formulas_merged.xlsx", 4, 0),  # first: its references are London North's own (LN-001…)
    ("cp1252_semicolon.csv", 4, 0),
    ("word_scales.xlsx", 4, 1),
    ("percentages.csv", 4, 0),
    ("scale_1_to_10.tsv", 4, 0),
    ("register.json", 3, 0),  # its unknown category no longer stops a row: imported as not yet set
]


@pytest.mark.parametrize(("name", "created", "errors"), LAYOUTS)
def test_real_world_layouts_import(org, name, created, errors):
    people = sample_people(org)
    result, outcome = _import(org.ln.register, name, people["rhys"])
    assert (result.counts["create"], result.counts["error"]) == (created, errors)
    assert len(outcome.created) == created and outcome.created[0] == "LN-001"
    assert audit.verify_chain().ok


def test_scores_dates_owners_and_controls_are_normalised(org):
    people = sample_people(org)
    for name, *_ in LAYOUTS:
        _import(org.ln.register, name, people["rhys"])
    ctl = _risk("Custody time limit failures")  # cp1252, semicolons, "Okafor" matched by name
    assert (ctl.residual_l, ctl.residual_i, ctl.owner_id, ctl.next_review_on.isoformat()) == (
        3,
        5,
        people["helen"].id,
        "2026-06-30",
    )
    assert [c.title for c in ctl.countermeasures] == [
        "Daily CTL diary check",
        "Weekly manager sign-off",
        "CTL training for new starters",
    ]
    assert _risk("Witness attendance").owner_id == people["rhys"].id  # "Davies, Rhys"
    lease = _risk("Accommodation lease ends")  # "Head of Operations" matches nobody: kept as an owner to confirm
    assert (lease.owner_id, lease.owner_to_confirm) == (None, "Head of Operations")
    dq = _risk("Digital case system data quality")  # formulas: residual likelihood =MIN(E6,3)
    assert (dq.inherent_l, dq.residual_l, dq.cause) == (4, 3, "inconsistent data entry")
    assert _risk("Victim communication letters").owner_id == people["rhys"].id  # a merged cell running down
    shortage = _risk("Specialist prosecutor shortage")  # "Likely" × "Major", May 2027
    assert (shortage.residual_score, shortage.next_review_on.isoformat()) == (16, "2027-05-01")
    assert {c.status for c in shortage.countermeasures} == {CountermeasureStatus.IN_PLACE, CountermeasureStatus.PLANNED}
    assert (_risk("Asset recovery targets").residual_l, _risk("Disclosure volume").residual_l) == (2, 5)  # 0.35, 85%
    extradition = _risk("Extradition request delays")  # 1-10: inherent 8×9, residual 6×7
    assert (extradition.inherent_score, extradition.residual_score) == (20, 12)
    advocacy = _risk("Advocacy quality in the Crown Court")  # JSON: "Medium" × "High" on a three-point scale
    assert (advocacy.residual_l, advocacy.residual_i, advocacy.owner_id) == (3, 5, people["helen"].id)


def test_a_dry_run_and_a_preview_write_nothing(org):
    people = sample_people(org)
    before = counts()
    result, outcome = _import(org.ln.register, "word_scales.xlsx", people["rhys"], dry_run=True)
    assert outcome is None and result.counts["create"] == 4 and counts() == before


def test_one_audit_event_per_risk_and_a_summary(org):
    people = sample_people(org)
    before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    _import(org.ln.register, "percentages.csv", people["rhys"])
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)).all()
    # Then the after-save work of every saved risk, as for the form: flags raised by the scan (by nobody).
    assert [e.action for e in events if not e.action.startswith("flag.")] == ["risk.imported"] * 4 + [
        "register.imported"
    ]
    assert {e.action for e in events[5:]} == {"flag.raised"}
    events = events[:5]
    assert all(e.actor_id == people["rhys"].id and e.risk_id == e.entity_id for e in events[:4])
    assert events[0].changes["source"] == "percentages.csv" and events[0].changes["countermeasures"] == 2
    assert events[-1].changes["created"] == 4 and events[-1].changes["mapping"]["Probability (%)"] == "residual_l"
    assert audit.verify_chain().ok


def test_reimport_matches_by_reference_and_updates_instead_of_duplicating(org):
    register = org.ln.register
    first = RiskFactory(register=register, owner=org.risk_ln, title="Custody time limits")
    RiskFactory(register=register, owner=org.risk_ln, title="Witness attendance")
    CountermeasureFactory(risk=first, title="Daily check")
    out = io.BytesIO()
    exporting.export([register], None, "csv", out)
    data = out.getvalue()
    same, outcome = importing.import_file(register, data, "ln.csv", org.risk_ln)
    assert outcome is None and same.counts["unchanged"] == 2 and same.counts["create"] == 0
    edited = data.replace(b"Custody time limits", b"Custody time limit failures").replace(
        b",Daily check,", b',"Daily check\nWeekly check",'
    )
    result, outcome = importing.import_file(register, edited, "ln.csv", org.risk_ln)
    assert (result.counts["update"], result.counts["unchanged"], outcome.updated) == (1, 1, [first.ref])
    db.session.refresh(first)
    assert first.title == "Custody time limit failures"
    assert [c.title for c in first.countermeasures] == ["Daily check", "Weekly check"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "risk.updated"))
    assert event.changes["title"] == ["Custody time limits", "Custody time limit failures"]
    assert event.changes["countermeasures_added"] == ["Weekly check"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == 2


def test_without_references_same_titles_are_reported_as_possible_duplicates(org):
    people = sample_people(org)
    _import(org.ln.register, "cp1252_semicolon.csv", people["rhys"])
    before = counts()
    result, outcome = _import(org.ln.register, "cp1252_semicolon.csv", people["rhys"])
    assert outcome is None and result.counts["duplicate"] == 4 and counts() == before
    with pytest.raises(ServiceError, match="nothing to import"):
        importing.commit(org.ln.register, result, people["rhys"])


def test_the_commit_is_all_or_nothing(org):
    """A failure part-way (here: the reference the import allocates is already taken) leaves nothing behind."""
    register = org.ln.register
    RiskFactory(register=register, title="Already here")  # takes LN-001
    register.last_ref_number = 0  # so the import's second reference collides with it
    db.session.commit()
    people = sample_people(org)
    result = importing.preview(register, sample("percentages.csv"), "p.csv", importing.ImportOptions(), people["rhys"])
    before = counts()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        importing.commit(register, result, people["rhys"])
    assert counts() == before


def test_owners_not_matched_are_kept_as_owners_to_confirm(org):
    result, _ = _import(org.ln.register, "scale_1_to_10.tsv", None, dry_run=True)
    assert {p.draft.values["owner_id"] for p in result.planned} == {None}
    assert all(p.draft.values["owner_to_confirm"] for p in result.planned)
    assert "an owner to confirm" in str(result.planned[0].draft.problems[0])


def test_import_runs_a_constant_number_of_queries(org):
    """Bulk writes: the statements do not grow with the number of rows (the benchmark imports 10,000)."""
    sample_people(org)
    registers.rules()  # the organisation's appetite and cadence: read once per request, whatever the rows
    vocabulary.categories(), vocabulary.objectives()  # the same for the categories and objectives

    def run(unit, rows: int) -> int:
        data = register_workbook(rows, ["Someone Else"])  # the same owner work for both: one to confirm
        assert unit.register.unit.code  # loaded before counting, as a request's route loads it
        with count_queries() as statements:
            importing.import_file(unit.register, data, "bench.xlsx", org.risk_ls)
        assert db.session.scalar(sa.select(sa.func.count()).where(Risk.register_id == unit.register.id)) == rows
        return len(statements)

    assert run(org.ls, 5) == run(org.hq, 60)
