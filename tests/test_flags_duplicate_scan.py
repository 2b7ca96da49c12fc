"""The full scan's pair flags (possible duplicates, repeats of a higher risk) on a hand-made organisation with
copies across registers and levels, near-duplicates, restricted, closed and unembedded risks, a stale embedding,
linked, dismissed and contributing pairs (issue 20).

``RECORDED`` is what the scan raised before it grouped risks by wording (it scored every pair of open risks):
the grouped scan must raise the same flags, with the same scores, methods and notes, under each set of rules.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg import jobs
from riskreg.clock import today
from riskreg.enums import FlagKind, FlagStatus, JobStatus, LinkKind, RiskStatus, SimilarityStage, UnitKind
from riskreg.extensions import db
from riskreg.models import DismissedPair, Flag
from riskreg.rules import flags as flag_rules
from riskreg.rules.flags import FlagRules
from riskreg.services.flags import scan as flags
from riskreg.services.flags import similarity
from tests.conftest import count_queries
from tests.factories import CountermeasureFactory, RiskFactory, RiskLinkFactory, UnitFactory, UserFactory

WORKFORCE = (
    "Workforce capacity and capability",
    "the service does not have enough lawyers and caseworkers with the right skills to deal with its caseload",
)
STAFFING = ("Insufficient staff to meet caseload", "the area does not have enough prosecutors to review its cases")
STAFFING_EDITED = (
    "Insufficient staff to meet the caseload",
    "the area does not have enough prosecutors to review all its cases",
)
WITNESSES_HQ = ("Witness and victim attendance at court", "witnesses and victims do not attend court to give evidence")
WITNESSES = ("Witnesses failing to attend trials", "witnesses do not attend court when they are required")
WITNESSES_PARAPHRASE = (
    "Witnesses not turning up to give evidence at trial",
    "trials collapse when witnesses stay away",
)
OUTAGE = ("Case management system outage", "the case management system is unavailable for more than a day")
FAILURE = ("Case management system failure", "the case management system fails for a day or more")
ESTATES = ("Building maintenance backlog", "court and office buildings fall into disrepair")
FRAUD = ("Fraud by staff", "a member of staff commits fraud against the service")
LEGAL_AID = ("Legal aid budget cuts", "defendants are unrepresented and hearings take longer")


def _risk(unit, words, embed=True, **kwargs):
    kwargs.setdefault("owner", UserFactory())
    kwargs.setdefault("cause", "Too few prosecutors for the caseload")
    kwargs.setdefault("consequence", "Cases are reviewed late and hearings are wasted")
    risk = RiskFactory(register=unit.register, title=words[0], event=words[1], **kwargs)
    CountermeasureFactory(risk=risk, implemented_on=today() - timedelta(days=10))
    db.session.refresh(risk)
    if embed:
        similarity.refresh_embedding(risk)
    return risk


@pytest.fixture
def tree(org):
    """HQ; two divisions (D1, D2) beside the two areas of the org fixture (LN, LS), all at the second level;
    areas A1, A2 under D1 and A3 under D2 at the third."""
    d1 = UnitFactory(code="D1", name="Division One", kind=UnitKind.DIVISION, parent=org.hq)
    d2 = UnitFactory(code="D2", name="Division Two", kind=UnitKind.DIVISION, parent=org.hq)
    a1 = UnitFactory(code="A1", name="Area One", parent=d1)
    a2 = UnitFactory(code="A2", name="Area Two", parent=d1)
    a3 = UnitFactory(code="A3", name="Area Three", parent=d2)
    hq, ln, ls = org.hq, org.ln, org.ls
    made = {}
    for name, unit, words, options in [
        ("hq_workforce", hq, WORKFORCE, {}),
        ("hq_witnesses", hq, WITNESSES_HQ, {}),
        ("hq_fraud", hq, FRAUD, {}),
        ("a1_staffing", a1, STAFFING, {}),
        ("a1_staffing_again", a1, STAFFING, {}),  # a copy in its own register: never a pair
        ("a2_staffing", a2, STAFFING, {}),
        ("a3_staffing", a3, STAFFING, {}),
        ("ln_staffing", ln, STAFFING, {}),
        ("ls_staffing_edited", ls, STAFFING_EDITED, {}),
        ("d2_staffing_restricted", d2, STAFFING, {"restricted": True}),
        ("ls_staffing_closed", ls, STAFFING, {"status": RiskStatus.CLOSED}),
        ("d1_witnesses", d1, WITNESSES, {}),
        ("ln_witnesses", ln, WITNESSES, {}),
        ("a1_witnesses_paraphrase", a1, WITNESSES_PARAPHRASE, {}),
        ("a3_witnesses_unembedded", a3, WITNESSES, {"embed": False}),
        ("d1_outage", d1, OUTAGE, {}),
        ("d2_outage", d2, OUTAGE, {}),
        ("a3_failure", a3, FAILURE, {}),
        ("a2_failure", a2, FAILURE, {}),
        ("a2_estates", a2, ESTATES, {}),
        ("a2_stale", a2, STAFFING, {}),  # its text changes below; its stored vector stays the staffing one
        ("ls_fraud", ls, FRAUD, {}),
    ]:
        made[name] = _risk(unit, words, **options)
    made["a2_stale"].title, made["a2_stale"].event = LEGAL_AID
    RiskLinkFactory(from_risk=made["ln_staffing"], to_risk=made["ls_staffing_edited"], kind=LinkKind.RELATED)
    RiskLinkFactory(from_risk=made["a2_staffing"], to_risk=made["hq_fraud"], kind=LinkKind.CONTRIBUTES_TO)
    low, high = sorted((made["a3_failure"].id, made["d2_outage"].id))
    db.session.add(DismissedPair(low_risk_id=low, high_risk_id=high, reason="Different systems"))
    db.session.flush()
    return made


def _pair_flags() -> set[tuple]:
    live = db.session.scalars(
        sa.select(Flag).where(
            Flag.status.in_([FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED]),
            Flag.kind.in_([FlagKind.REPEATS_HIGHER, FlagKind.POSSIBLE_DUPLICATE]),
        )
    )
    found = set()
    for flag in live:
        lower, higher = flag.risk, flag.other_risk
        how = f"{SimilarityStage(flag.method).label.lower()}, score {flag.score:.2f}"
        lower_name, higher_name = (
            f"{lower.ref} ({lower.register.unit.name})",
            f"{higher.ref} ({higher.register.unit.name})",
        )
        assert flag.note == flag_rules.pair_note(flag.kind, lower_name, higher_name, higher.title, how)
        found.add((flag.kind.value, lower.ref, higher.ref, flag.method, round(flag.score, 4)))
    return found


RULES = {
    "default": FlagRules(),
    "two per risk": FlagRules(duplicates_per_risk=2),
    "theme at two registers": FlagRules(common_theme_registers=2),
    "no siblings": FlagRules(include_siblings=False),
    "theme at five, three per risk": FlagRules(common_theme_registers=5, duplicates_per_risk=3),
}


@pytest.mark.parametrize("name", list(RULES))
def test_the_scan_raises_the_pair_flags_it_raised_when_it_scored_every_pair(app, tree, monkeypatch, name):
    monkeypatch.setitem(app.config, "RISKREG_FLAGS", RULES[name])
    flags.scan_all()
    found = _pair_flags()
    assert found == RECORDED[name]


# The repeats are the same under every rule set; a second repeat a risk may carry comes with duplicates_per_risk.
REPEATS = {
    ("repeats_higher", "A1-001", "HQ-001", "semantic", 0.6017),
    ("repeats_higher", "A1-002", "HQ-001", "semantic", 0.6017),
    ("repeats_higher", "A1-003", "D1-001", "semantic", 0.7695),
    ("repeats_higher", "A2-002", "D1-002", "lexical", 0.9143),
    ("repeats_higher", "A3-001", "D2-001", "lexical", 1.0),
    ("repeats_higher", "D1-001", "HQ-002", "semantic", 0.7594),
    ("repeats_higher", "D2-001", "HQ-001", "semantic", 0.6017),
    ("repeats_higher", "LN-001", "HQ-001", "semantic", 0.6017),
    ("repeats_higher", "LN-002", "HQ-002", "semantic", 0.7594),
    ("repeats_higher", "LS-001", "HQ-001", "semantic", 0.6001),
    ("repeats_higher", "LS-003", "HQ-003", "lexical", 1.0),
}
SECOND_REPEATS = {
    ("repeats_higher", "A1-003", "HQ-002", "semantic", 0.6849),
    ("repeats_higher", "A3-001", "HQ-001", "semantic", 0.6017),
}
RECORDED: dict[str, set[tuple]] = {
    "default": REPEATS
    | {
        ("possible_duplicate", "A2-002", "A3-003", "lexical", 1.0),
        ("possible_duplicate", "D2-002", "D1-002", "lexical", 1.0),
        ("possible_duplicate", "LN-002", "D1-001", "lexical", 1.0),
    },
    "two per risk": REPEATS
    | SECOND_REPEATS
    | {
        ("possible_duplicate", "A2-002", "A3-003", "lexical", 1.0),
        ("possible_duplicate", "D2-002", "D1-002", "lexical", 1.0),
        ("possible_duplicate", "LN-002", "D1-001", "lexical", 1.0),
    },
    "theme at two registers": REPEATS,
    "no siblings": REPEATS,
    "theme at five, three per risk": REPEATS
    | SECOND_REPEATS
    | {
        ("possible_duplicate", "A2-001", "A1-001", "lexical", 1.0),
        ("possible_duplicate", "A2-001", "A1-002", "lexical", 1.0),
        ("possible_duplicate", "A2-002", "A3-003", "lexical", 1.0),
        ("possible_duplicate", "A2-004", "A1-001", "semantic", 0.9533),
        ("possible_duplicate", "A2-004", "A1-002", "semantic", 0.9533),
        ("possible_duplicate", "A2-004", "A3-001", "semantic", 0.9533),
        ("possible_duplicate", "A3-001", "A1-001", "lexical", 1.0),
        ("possible_duplicate", "A3-001", "A1-002", "lexical", 1.0),
        ("possible_duplicate", "A3-001", "A2-001", "lexical", 1.0),
        ("possible_duplicate", "D2-001", "LN-001", "lexical", 1.0),
        ("possible_duplicate", "D2-001", "LS-001", "lexical", 0.9884),
        ("possible_duplicate", "D2-002", "D1-002", "lexical", 1.0),
        ("possible_duplicate", "LN-002", "D1-001", "lexical", 1.0),
    },
}


def test_the_scan_scores_each_distinct_wording_once_however_many_risks_hold_it(tree):
    """20 open risks with an embedding (the closed copy and the unembedded risk are left out), 11 wordings: the
    stale risk's new text with its old vector is a wording of its own. 66 pairs of wordings are scored, each
    wording with itself included, where scoring every pair of risks would be 190."""
    wordings = similarity.similar_wordings()
    assert (len(wordings.risk_ids), len(wordings), wordings.pairs_scored) == (20, 11, 66)
    wording_of = dict(zip(wordings.risk_ids.tolist(), wordings.wording_of.tolist(), strict=True))
    staffing = wording_of[tree["a1_staffing"].id]
    names = ("a1_staffing", "a1_staffing_again", "a2_staffing", "a3_staffing", "ln_staffing", "d2_staffing_restricted")
    assert {risk_id for risk_id, wording in wording_of.items() if wording == staffing} == {tree[n].id for n in names}
    [copies] = [match for match in wordings.matches[staffing] if match.wording == staffing]
    assert copies.score > 0.99 and copies.stage is SimilarityStage.LEXICAL


def test_scoring_in_small_blocks_finds_the_same_matches(tree):
    """Blocks of two wordings: many blocks, each pair of wordings in one of them, the same scores as one block."""
    whole = similarity.similar_wordings(block=1024)
    blocks = similarity.similar_wordings(block=2)
    assert blocks.pairs_scored == whole.pairs_scored
    assert [sorted(found, key=lambda m: m.wording) for found in blocks.matches] == [
        sorted(found, key=lambda m: m.wording) for found in whole.matches
    ]


def test_the_scan_reports_its_stages_before_it_loads_anything(tree):
    stages = []
    flags.scan_all(progress=lambda percent, doing: stages.append((percent, doing)))
    assert stages == [
        (5, "Grouping the open risks by wording"),
        (60, "Compared 11 of 11 distinct wordings with each other"),
        (60, "Checking the flags of every open risk (20 with 11 wordings)"),
    ]


def test_the_flag_scan_job_shows_the_stages_and_raises_the_same_flags(org, tree):
    jobs.enqueue("flag_scan", requested_by=org.hq_risk)
    db.session.commit()
    seen = []
    [job] = jobs.run_here(lambda percent, doing: seen.append(percent))
    assert job.status is JobStatus.DONE and job.result["by_kind"]["repeats_higher"] == [11, 0]
    assert seen == [5, 60, 60]
    assert _pair_flags() == RECORDED["default"]


def test_the_new_flags_ids_are_read_back_a_bounded_number_of_keys_at_a_time(tree, monkeypatch):
    """At scale L a scan raises hundreds of thousands of flags: one query for all their keys would pass more
    parameters than PostgreSQL takes (65,535)."""
    monkeypatch.setattr(flags, "KEYS_PER_QUERY", 4)
    with count_queries() as statements:
        raised = flags.scan_all().raised_count
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT FLAG.CONDITION_KEY, FLAG.ID")]
    assert raised > 8 and len(reads) == -(-raised // 4)
    assert _pair_flags() == RECORDED["default"]
