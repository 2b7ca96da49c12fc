"""The permission policy (DESIGN §5), role by role."""

import pytest

from riskreg import policy
from riskreg.policy import Action, can
from tests.factories import RiskFactory


@pytest.mark.parametrize(
    ("who", "may_edit_ln"),
    [
        ("head_ln", True),
        ("risk_ln", True),
        ("viewer_ln", False),
        ("head_ls", False),
        ("risk_hq", True),
        ("hq_risk", False),
        ("committee", False),
        ("auditor", False),
        ("admin", False),
        ("nobody", False),
    ],
)
def test_who_may_edit_the_london_north_register(org, who, may_edit_ln):
    assert can(getattr(org, who), Action.EDIT_REGISTER, org.ln.register) is may_edit_ln


@pytest.mark.parametrize(
    ("who", "may_read"),
    [
        ("head_ln", True),
        ("viewer_ln", True),
        ("head_ls", False),
        ("hq_risk", True),
        ("committee", True),
        ("auditor", True),
        ("admin", True),
        ("nobody", False),
    ],
)
def test_who_may_read_a_restricted_risk(org, who, may_read):
    risk = RiskFactory(register=org.ln.register, restricted=True)
    assert can(getattr(org, who), Action.READ_RISK, risk) is may_read


def test_everyone_signed_in_reads_unrestricted_risks(org):
    risk = RiskFactory(register=org.ln.register)
    assert can(org.nobody, Action.READ_RISK, risk)


def test_inactive_users_can_do_nothing(org):
    org.head_ln.is_active = False
    assert not can(org.head_ln, Action.READ_REGISTER, org.ln.register)


def test_only_admins_administer(org):
    assert can(org.admin, Action.ADMINISTER) and not can(org.hq_risk, Action.ADMINISTER)


def test_every_action_has_one_rule():
    """policy.can answers from one Action -> rule table: a new Action without a rule fails here, not in a route."""
    assert [action for action in policy.Action if action not in policy.RULES] == []
    assert set(policy.RULES) == set(policy.Action)


@pytest.mark.parametrize("who", ["head_ln", "viewer_ln", "head_ls", "hq_risk", "committee", "admin", "nobody"])
def test_the_restricted_reader_answers_as_the_policy_does_for_each_register(org, who):
    """The registers index asks one predicate per user of every register (policy.restricted_reader)."""
    user = getattr(org, who)
    reads = policy.restricted_reader(user)
    for register in (org.hq.register, org.ln.register, org.ls.register):
        assert reads(register.unit.path) is can(user, Action.READ_RESTRICTED, register), register.unit.code


def test_no_one_signed_out_reads_restricted_risks(org):
    from flask_login import AnonymousUserMixin

    assert not policy.restricted_reader(AnonymousUserMixin())(org.ln.register.unit.path)
