"""Who may see and act on HQ quality flags (riskreg.policy)."""

from datetime import timedelta

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from riskreg import policy
from riskreg.clock import today
from riskreg.enums import FlagKind
from riskreg.extensions import db
from riskreg.models import Flag
from riskreg.policy import Action
from tests.factories import RiskFactory


def _flag(org, **risk_kwargs):
    risk = RiskFactory(register=org.ln.register, next_review_on=today() - timedelta(days=3), **risk_kwargs)
    flag = Flag(kind=FlagKind.REVIEW_OVERDUE, risk=risk, note="The review was due")
    db.session.add(flag)
    db.session.commit()
    return flag


def test_hq_risk_manages_flags_and_the_committee_and_audit_only_read_them(org):
    flag = _flag(org)
    assert policy.can(org.hq_risk, Action.VIEW_FLAGS) and policy.can(org.hq_risk, Action.MANAGE_FLAGS, flag)
    for reader in (org.committee, org.auditor):
        assert policy.can(reader, Action.VIEW_FLAGS) and policy.can(reader, Action.READ_FLAG, flag)
        assert not policy.can(reader, Action.MANAGE_FLAGS, flag) and not policy.can(reader, Action.REPLY_FLAG, flag)
    assert not policy.can(org.admin, Action.VIEW_FLAGS)


def test_register_owners_read_and_reply_to_flags_on_their_risks_only(org):
    flag = _flag(org, owner=org.viewer_ln)
    for owner in (org.risk_ln, org.head_ln, org.viewer_ln, org.risk_hq):  # editors above LN count too
        assert policy.can(owner, Action.READ_FLAG, flag) and policy.can(owner, Action.REPLY_FLAG, flag)
        assert not policy.can(owner, Action.VIEW_FLAGS) and not policy.can(owner, Action.MANAGE_FLAGS, flag)
    for stranger in (org.risk_ls, org.head_ls, org.nobody):
        assert not policy.can(stranger, Action.READ_FLAG, flag)
    with pytest.raises(Forbidden):
        policy.authorize(org.risk_ls, Action.READ_FLAG, flag)


def test_a_flag_on_a_restricted_risk_is_hidden_from_those_who_cannot_read_the_risk(org):
    flag = _flag(org, restricted=True)
    with pytest.raises(NotFound):
        policy.authorize(org.risk_ls, Action.READ_FLAG, flag)
    assert policy.can(org.hq_risk, Action.MANAGE_FLAGS, flag)
