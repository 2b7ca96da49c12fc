"""Fault injection: the database connection dropping mid-request and mid-import, the disk filling while an
upload is written. Each request is rolled back whole (nothing half-written) and answers with a clear 503."""

import errno
import io
import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from riskreg.enums import CountermeasureStatus
from riskreg.extensions import db
from riskreg.models import Countermeasure, ImportUpload
from tests.factories import CountermeasureFactory, RiskFactory
from tests.import_helpers import counts, sample_people

DROPPED = "server closed the connection unexpectedly"
MESSAGE = "Nothing was saved. Try again in a few minutes."


@contextmanager
def fails_at(statement_start: str, error: Exception):
    """The first statement starting with ``statement_start`` fails as a dropped connection or a full disk would."""
    fired = []

    def fail(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if not fired and statement.lstrip().upper().startswith(statement_start.upper()):
            fired.append(statement)
            if isinstance(error, OSError):
                raise error  # as the operating system reports it, from a file written beside the database
            raise sa.exc.OperationalError(statement, parameters, error)

    sa.event.listen(db.engine, "before_cursor_execute", fail)
    try:
        yield fired
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", fail)


def test_a_connection_dropped_mid_request_writes_nothing(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    countermeasure = CountermeasureFactory(
        risk=risk, owner=org.risk_ln, status=CountermeasureStatus.PLANNED, title="Before"
    )
    sign_in(org.risk_ln)
    before = counts()
    form = {
        "title": "After",
        "kind": "detective",
        "owner_id": str(org.risk_ln.id),
        "status": "planned",
        "due_on": ["", "", ""],
        "implemented_on": ["", "", ""],
        "version": str(countermeasure.version),
    }
    # The countermeasure's UPDATE has gone through; the audit event that belongs with it fails.
    with fails_at("INSERT INTO audit_event", Exception(DROPPED)) as fired:
        response = client.post(f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/edit", data=form)
    assert fired and response.status_code == 503 and MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Countermeasure, countermeasure.id).title == "Before" and counts() == before
    assert client.get(f"/risks/{risk.ref}").status_code == 200  # the next request is served as usual


def test_a_connection_dropped_mid_import_writes_no_risk(client, org, sign_in):
    sample_people(org)
    sign_in(org.risk_ln)
    heading = b"Title,Cause,Event,Consequence,Category,Objective,Influence,Residual likelihood,Residual impact\n"
    data = heading + b"".join(
        f"Risk {n},A cause,An event,A consequence,operations,quality,high,3,4\n".encode() for n in range(20)
    )
    upload = client.post(
        "/registers/LN/import", data={"file": (io.BytesIO(data), "register.csv")}, content_type="multipart/form-data"
    )
    assert upload.status_code == 302, upload.get_data(as_text=True)[:500]
    preview = client.get(upload.headers["Location"])
    fingerprint = preview.get_data(as_text=True).split('name="fingerprint"')[1].split('value="')[1].split('"')[0]
    before = counts()
    with fails_at("INSERT INTO audit_event", Exception(DROPPED)) as fired:
        response = client.post(upload.headers["Location"], data={"fingerprint": fingerprint})
    assert fired and response.status_code == 503 and MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before  # no risk, no countermeasure, no event; the upload still waits to be imported


@pytest.mark.parametrize(
    "error", [sqlite3.OperationalError("database or disk is full"), OSError(errno.ENOSPC, "No space left on device")]
)
def test_a_full_disk_while_storing_an_upload_keeps_nothing(client, org, sign_in, error):
    sign_in(org.risk_ln)
    data = b"Title,Residual likelihood,Residual impact\nStaff shortages,3,4\n"
    with fails_at("INSERT INTO import_upload", error) as fired:
        response = client.post(
            "/registers/LN/import",
            data={"file": (io.BytesIO(data), "register.csv")},
            content_type="multipart/form-data",
        )
    assert fired and response.status_code == 503 and MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportUpload)) == 0
