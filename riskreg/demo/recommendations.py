"""Demo recommendations: the inspection report's own four recommendations, and an internal audit report's.

The inspectorate's are those of HM Crown Prosecution Service Inspectorate, *Thematic Report on CPS Assurance and
Performance* (November 2013), paragraph 1.10, each with the paragraph where the report makes it (4.4, 4.11, 4.27,
4.40); docs/recommendations.md names the source. Two were implemented and two were not: the implementation rate
is 50%, the report's own finding about areas' follow-up of its recommendations (4.18). The internal audit report
on custody time limits is invented for the demo.

Run after every other step, with its own random generator; it finds risks by their titles and users by their
e-mail addresses, never by row ids, and changes nothing the other steps made (it adds recommendations and the
flags and evidence they bring).
"""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from riskreg.enums import EvidenceKind, RecommendationSource, RecommendationStatus
from riskreg.extensions import db
from riskreg.models import Countermeasure, Register, Risk, Unit, User
from riskreg.services import recommendations
from riskreg.services.assurance.evidence import EvidenceInput

SEED = 1913
INSPECTION = (
    RecommendationSource.INSPECTORATE,
    "Thematic Report on CPS Assurance and Performance",
    "HM Crown Prosecution Service Inspectorate",
    date(2013, 11, 1),  # the report is dated November 2013, without a day
)
AUDIT_TITLE = "Custody time limits: compliance in areas (IA 2025/07)"
S = RecommendationStatus


def _pdf(title: str) -> bytes:
    """A small valid PDF naming the evidence (the evidence store checks the type by its content)."""
    text = title.replace("(", "[").replace(")", "]")
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


def _unit(code: str) -> Unit:
    return db.session.scalars(sa.select(Unit).where(Unit.code == code)).one()


def _risk(code: str, *titles: str) -> Risk | None:
    """The unit's open risk with the first of ``titles`` it holds (registers differ: each area has its own mix)."""
    for title in titles:
        found = db.session.scalar(
            sa.select(Risk)
            .join(Register, Register.id == Risk.register_id)
            .join(Unit, Unit.id == Register.unit_id)
            .where(Unit.code == code, Risk.title == title)
        )
        if found is not None:
            return found
    return None


def _control(risk: Risk | None, title: str) -> list[Countermeasure]:
    return [item for item in (risk.countermeasures if risk else []) if item.title == title]


# (paragraph, text, unit, owner, due, status, note, risk titles, control title, evidence (kind, title, ...))
INSPECTORATE = [
    (
        "4.4",
        "The CPS should improve the effectiveness of the annual certificate of assurance.",
        "HQ",
        "head.hq@example.org",
        date(2014, 9, 30),
        S.IMPLEMENTED,
        "Certificates are now assembled from the registers' own data, each assertion graded by its evidence.",
        ("Governance and assurance arrangements are not effective",),
        None,
        (EvidenceKind.FILE, "Certificate of assurance guidance 2014-15"),
    ),
    (
        "4.11",
        "The CPS should review the area risk management system to ensure it is fit for purpose.",
        "HQ",
        "risk.hq@example.org",
        date(2014, 12, 31),
        S.IMPLEMENTED,
        "Risk management framework reviewed; areas' risks now inform corporate risks through links.",
        ("Governance and assurance arrangements are not effective",),
        None,
        (EvidenceKind.REFERENCE, "Review of the risk management framework", "Board paper RM/2014/12, item 6"),
    ),
    (
        "4.27",
        "Areas should introduce measures to assess the productivity and effectiveness of case progression units.",
        "LN",
        "head.ln@example.org",
        date(2014, 6, 30),
        S.IN_PROGRESS,
        "Draft measures agreed with the case progression managers; not yet reported at the quarterly review.",
        ("Case progression productivity below target", "Custody cases released because time limits are missed"),
        None,
        None,
    ),
    (
        "4.40",
        "The role of the Area Performance Manager needs to be reviewed to ensure it fully supports the refocusing "
        "initiative, and that the roles performed and level of skill are more consistent nationally.",
        "HQ",
        "head.hq@example.org",
        date(2014, 12, 31),
        S.ACCEPTED,
        "",
        ("Workforce capacity and capability",),
        None,
        None,
    ),
]
INTERNAL_AUDIT = [
    (
        "3.1",
        "London North should record a named officer's daily check of custody time limit expiry dates.",
        "LN",
        "risk.ln@example.org",
        -120,
        S.IMPLEMENTED,
        "The daily check is recorded on the custody log and sampled monthly.",
        ("Custody cases released because time limits are missed",),
        "Daily custody time limit checks by a named officer",
        (EvidenceKind.FILE, "Custody log sample, London North"),
    ),
    (
        "3.4",
        "Areas should reconcile custody time limit records with the court list every week.",
        "LS",
        "head.ls@example.org",
        90,
        S.IN_PROGRESS,
        "Weekly reconciliation piloted in two teams.",
        ("Custody cases released because time limits are missed",),
        None,
        None,
    ),
    (
        "3.6",
        "Custody time limit monitoring should move to one national system.",
        "HQ",
        "head.hq@example.org",
        180,
        S.NOT_ACCEPTED,
        "Not accepted as a separate action: a national system is part of the digital case system roadmap.",
        ("Custody time limit failures",),
        None,
        None,
    ),
]


def _evidence(spec, on: date) -> EvidenceInput:
    kind, title, *rest = spec
    if kind is EvidenceKind.FILE:
        name = title.lower().replace(" ", "-").replace(",", "") + ".pdf"
        return EvidenceInput(kind, title, on, source="", data=_pdf(title), filename=name)
    return EvidenceInput(kind, title, on, source=rest[0])


def _record(report: tuple, row: tuple, due_on: date, recorder: User, rng: random.Random, today: date) -> None:
    paragraph, text, code, owner_email, _due, status, note, titles, control, evidence = row
    risk = _risk(code, *titles)
    owner = _user(owner_email)
    source, title, body, published_on = report
    values = {
        "source": source,
        "title": title,
        "body": body,
        "published_on": published_on,
        "paragraph": paragraph,
        "text": text,
        "unit": _unit(code),
        "owner": owner,
        "due_on": due_on,
        "risks": [risk] if risk else [],
        "countermeasures": _control(risk, control) if control else [],
    }
    created = recommendations.create_recommendation(values, recorder)
    steps = {S.IMPLEMENTED: [S.IN_PROGRESS, S.IMPLEMENTED], S.IN_PROGRESS: [S.IN_PROGRESS]}.get(status, [status])
    for step in [step for step in steps if step is not S.ACCEPTED]:
        final = step is status
        proof = _evidence(evidence, today - timedelta(days=rng.randint(20, 60))) if final and evidence else None
        recommendations.change_status(created, step, note if final else "", created.version, owner, proof)


def seed(today: date) -> int:
    rng = random.Random(SEED)
    recorder, auditor = _user("hq.risk@example.org"), _user("auditor@example.org")
    for row in INSPECTORATE:
        _record(INSPECTION, row, row[4], recorder, rng, today)
    audit_report = (RecommendationSource.INTERNAL_AUDIT, AUDIT_TITLE, "Internal audit", today - timedelta(days=300))
    for row in INTERNAL_AUDIT:
        _record(audit_report, row, today + timedelta(days=row[4]), auditor, rng, today)
    db.session.flush()
    return len(INSPECTORATE) + len(INTERNAL_AUDIT)
