"""Who may link, escalate, cascade, see the committee view and comment (DESIGN §5)."""

from riskreg.policy import Action, can
from tests.factories import RiskFactory, RiskLinkFactory

EVERYONE = [
    "head_ln",
    "risk_ln",
    "viewer_ln",
    "head_ls",
    "risk_ls",
    "risk_hq",
    "hq_risk",
    "committee",
    "auditor",
    "admin",
    "nobody",
]


def _allowed(org, action: Action, target=None) -> set[str]:
    return {who for who in EVERYONE if can(getattr(org, who), action, target)}


def test_who_may_link_from_a_london_north_risk(org):
    risk = RiskFactory(register=org.ln.register)
    assert _allowed(org, Action.LINK_RISKS, risk) == {"head_ln", "risk_ln", "risk_hq", "hq_risk"}


def test_editors_of_either_end_may_remove_a_link(org):
    link = RiskLinkFactory(
        from_risk=RiskFactory(register=org.ln.register), to_risk=RiskFactory(register=org.ls.register)
    )
    assert _allowed(org, Action.REMOVE_LINK, link) == {"head_ln", "risk_ln", "head_ls", "risk_ls", "risk_hq", "hq_risk"}


def test_a_link_to_a_restricted_risk_is_removed_only_by_those_who_can_see_it(org):
    secret = RiskFactory(register=org.ls.register, restricted=True)
    link = RiskLinkFactory(from_risk=RiskFactory(register=org.ln.register), to_risk=secret)
    assert not can(org.risk_ln, Action.REMOVE_LINK, link) and can(org.risk_ls, Action.REMOVE_LINK, link)


def test_only_corporate_risk_managers_and_hq_risk_create_corporate_risks_by_escalation(org):
    assert _allowed(org, Action.ESCALATE, org.hq.register) == {"risk_hq", "hq_risk"}


def test_who_may_cascade(org):
    assert _allowed(org, Action.CASCADE, org.ln.register) == {"head_ln", "risk_ln", "risk_hq", "hq_risk"}
    corporate = RiskFactory(register=org.hq.register)
    # Into some register below: area editors may bring a corporate risk into their own register.
    assert _allowed(org, Action.CASCADE, corporate) == {
        "head_ln",
        "risk_ln",
        "head_ls",
        "risk_ls",
        "risk_hq",
        "hq_risk",
    }


def test_the_committee_view_is_for_the_committee_hq_risk_and_internal_audit(org):
    assert _allowed(org, Action.VIEW_COMMITTEE) == {"committee", "hq_risk", "auditor"}


def test_the_committee_and_hq_risk_comment(org):
    assert _allowed(org, Action.COMMENT, RiskFactory(register=org.ln.register)) == {"committee", "hq_risk"}


def test_comments_are_for_the_risks_owners_and_the_committee_roles(org):
    risk = RiskFactory(register=org.ln.register, owner=org.viewer_ln)  # the viewer owns it
    assert _allowed(org, Action.READ_COMMENTS, risk) == {
        "viewer_ln",
        "head_ln",
        "risk_ln",
        "risk_hq",
        "committee",
        "hq_risk",
        "auditor",
    }
