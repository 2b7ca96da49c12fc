"""`riskreg seed-demo`: a deterministic demo organisation modelled on the inspection report.

The same content every time (fixed random seed); dates are relative to the day
it is seeded, so there are always reviews overdue today.
"""

import random
import secrets
from datetime import date, datetime, time, timedelta

from riskreg.clock import today as clock_today
from riskreg.demo import assurance, content, flags, similarity
from riskreg.demo import certificates as demo_certificates
from riskreg.demo import committee as demo_committee
from riskreg.demo import division as demo_division
from riskreg.demo import measures as demo_measures
from riskreg.demo import recommendations as demo_recommendations
from riskreg.demo.links import link_risks
from riskreg.enums import (
    AppetiteLevel,
    ControlFrequency,
    CountermeasureKind,
    CountermeasureStatus,
    Influence,
    ReviewOutcome,
    RiskStatus,
    Role,
    UnitKind,
)
from riskreg.extensions import db
from riskreg.models import Countermeasure, Register, Review, Risk, RoleAssignment, Unit, User
from riskreg.rules import scoring
from riskreg.services import figures, users
from riskreg.services.administration import scoring as scoring_settings
from riskreg.services.audit import trail as audit

DEMO_PASSWORD = "riskreg-demo-2026"  # noqa: S105 - the published demo sign-in, never a real account
SEED = 2013

# (e-mail, name, role, unit code, what to look at)
# Risks whose owner the demo's story names: London North's business manager, a viewer, owns the staffing
# risk and its controls, so she can show that owners review their own risks (docs/user-guide.md).
STORY_OWNERS = {"LN-001": "viewer.ln@example.org"}

APPETITE_AREA = "WX"  # the area with an appetite of its own

SIGN_INS = [
    ("head.ln@example.org", "Helen Okafor", Role.UNIT_HEAD, "LN", "Chief Crown Prosecutor, London North"),
    ("risk.ln@example.org", "Rhys Davies", Role.RISK_MANAGER, "LN", "Area risk manager, London North"),
    ("viewer.ln@example.org", "Priya Patel", Role.VIEWER, "LN", "Area business manager, London North (read only)"),
    ("head.ls@example.org", "Kwame Mensah", Role.UNIT_HEAD, "LS", "Chief Crown Prosecutor, London South"),
    ("risk.hq@example.org", "Laura Bennett", Role.RISK_MANAGER, "HQ", "Corporate risk manager"),
    ("head.hq@example.org", "Daniel Hughes", Role.UNIT_HEAD, "HQ", "Chief Executive (corporate register)"),
    ("hq.risk@example.org", "Fiona Clarke", Role.HQ_RISK, "HQ", "HQ risk team"),
    ("committee@example.org", "Sir Owen Lewis", Role.COMMITTEE, "HQ", "Audit and Risk Committee chair"),
    ("auditor@example.org", "Grace Iqbal", Role.AUDITOR, "HQ", "Internal audit"),
    ("admin@example.org", "Tomasz Nowak", Role.ADMIN, "HQ", "Administrator"),
]


def sign_ins_text() -> str:
    lines = [f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {email:<26} {role.label:<26} {note}" for email, _name, role, _unit, note in SIGN_INS]
    return "\n".join(lines)


class _Builder:
    def __init__(self, today: date) -> None:
        self.rng = random.Random(SEED)
        self.today = today
        self.password_hash = users.hash_password(DEMO_PASSWORD)
        self.units: dict[str, Unit] = {}
        self.staff: dict[str, list[User]] = {}
        self.names = iter(f"{first} {last}" for last in content.LAST_NAMES for first in content.FIRST_NAMES)
        self.risk_count = 0

    # Organisation -------------------------------------------------------
    def unit(self, code: str, name: str, kind: UnitKind, parent: Unit | None) -> Unit:
        unit = Unit(code=code, name=name, kind=kind, parent=parent)
        db.session.add(unit)
        db.session.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        title = "Corporate risk register" if kind is UnitKind.HEADQUARTERS else f"{name} risk register"
        db.session.add(Register(unit=unit, title=title))
        self.units[code] = unit
        return unit

    def organisation(self) -> None:
        hq = self.unit(*content.HQ, parent=None)
        for code, name in content.AREAS:
            self.unit(code, name, UnitKind.AREA, hq)
        for code, name, children in content.DIVISIONS:
            division = self.unit(code, name, UnitKind.DIVISION, hq)
            for child_code, child_name in children:
                self.unit(child_code, child_name, UnitKind.UNIT, division)
        db.session.flush()

    def appetite(self) -> None:
        """Wessex has agreed with headquarters to accept less operational risk than the organisation (averse,
        tolerance 4, against cautious, 9) until its casework improvement plan is done: an operations risk it
        scores 5 to 9 is above its appetite, though it would be within the organisation's. Every other unit
        uses the organisation's appetite."""
        wessex = {"operations": AppetiteLevel.AVERSE}
        scoring_settings.set_unit_appetite(self.units[APPETITE_AREA], wessex, None)

    def user(self, email: str, name: str, role: Role, unit_code: str) -> User:
        user = User(email=email, name=name, password_hash=self.password_hash, session_token=secrets.token_hex(32))
        db.session.add(user)
        db.session.add(RoleAssignment(user=user, role=role, unit=self.units[unit_code]))
        db.session.flush()
        audit.record(None, "user.created", "user", user.id, {"email": email, "role": role, "unit": unit_code})
        if role in (Role.UNIT_HEAD, Role.RISK_MANAGER, Role.VIEWER):
            self.staff.setdefault(unit_code, []).append(user)
        return user

    def people(self) -> None:
        for email, name, role, unit_code, _note in SIGN_INS:
            self.user(email, name, role, unit_code)
        for code in self.units:
            have = {assignment.role for user in self.staff.get(code, []) for assignment in user.roles}
            slug = code.lower()
            for role, prefix in ((Role.UNIT_HEAD, "head"), (Role.RISK_MANAGER, "risk"), (Role.VIEWER, "staff")):
                if role not in have:
                    self.user(f"{prefix}.{slug}@example.org", next(self.names), role, code)

    # Risks -------------------------------------------------------------
    def ratings(self, category: str) -> dict[str, int]:
        rng = self.rng
        inherent_l, inherent_i = rng.randint(3, 5), rng.randint(3, 5)
        residual_l = max(1, inherent_l - rng.randint(0, 2))
        residual_i = max(1, inherent_i - rng.randint(0, 1))
        target_l = max(1, residual_l - rng.randint(0, 2))
        target_i = max(1, residual_i - rng.randint(0, 1))
        return {
            "inherent_l": inherent_l,
            "inherent_i": inherent_i,
            "residual_l": residual_l,
            "residual_i": residual_i,
            "target_l": target_l,
            "target_i": target_i,
        }

    def owner(self, register: Register, number: int, owners: list[User]) -> User:
        drawn = self.rng.choice(owners)  # drawn even when overridden, so every later draw stays the same
        email = STORY_OWNERS.get(f"{register.unit.code}-{number:03d}")
        return next(user for user in owners if user.email == email) if email else drawn

    def risk(self, register: Register, theme: tuple, number: int, stale: bool, restricted: bool = False) -> Risk:
        title, cause, event, consequence, category, objective, influence = theme
        owners = self.staff[register.unit.code]
        created = self.today - timedelta(days=self.rng.randint(560, 760))
        risk = Risk(
            register=register,
            ref=f"{register.unit.code}-{number:03d}",
            title=title,
            cause=cause,
            event=event,
            consequence=consequence,
            category=category,
            objective=objective,
            influence=Influence(influence),
            owner=self.owner(register, number, owners),
            status=RiskStatus.OPEN,
            restricted=restricted,
            created_at=datetime.combine(created, time(9)),
            updated_at=datetime.combine(created, time(9)),
            review_frequency_days=90,
            **self.ratings(category),
        )
        db.session.add(risk)
        self.reviews(risk, created, stale)
        self.countermeasures(risk, created)
        return risk

    def reviews(self, risk: Risk, created: date, stale: bool) -> None:
        rng = self.rng
        stop = self.today - timedelta(days=rng.randint(90, 300)) if stale else self.today
        reviewed_on = created
        # Most reviews move the score as actions land or events happen; London North's mostly copy the last one.
        moves = (-1, 0, 0, 0, 1) if risk.register.unit.code == "LN" else (-1, -1, 0, 1, 1)
        while True:
            interval = scoring.review_interval(risk.residual_score)
            next_on = reviewed_on + interval + timedelta(days=rng.randint(-5, 10))
            if next_on > stop:
                break
            reviewed_on = next_on
            drift = rng.choice(moves)
            risk.residual_l = min(risk.inherent_l, max(1, risk.residual_l + drift))
            outcome = rng.choice([ReviewOutcome.CONTINUE] * 4 + [ReviewOutcome.FURTHER_ACTION, ReviewOutcome.ESCALATE])
            db.session.add(
                Review(
                    risk=risk,
                    reviewed_on=reviewed_on,
                    reviewer=risk.owner,
                    residual_l=risk.residual_l,
                    residual_i=risk.residual_i,
                    commentary=rng.choice(content.REVIEW_COMMENTS),
                    outcome=outcome,
                )
            )
        risk.last_reviewed_on = reviewed_on if reviewed_on != created else None
        interval = scoring.review_interval(risk.residual_score)
        risk.review_frequency_days = interval.days
        risk.next_review_on = reviewed_on + interval
        risk.updated_at = datetime.combine(reviewed_on, time(10))

    def countermeasures(self, risk: Risk, created: date) -> None:
        rng = self.rng
        if rng.random() < 0.1:
            return  # deliberately none: HQ should notice
        options = content.COUNTERMEASURES[risk.category]
        risk_text, taken = f"{risk.title} {risk.cause} {risk.event}", set()
        for sampled_title, _kind in rng.sample(options, k=min(len(options), rng.randint(1, 3))):
            planned = rng.random() < 0.25
            due = self.today + timedelta(days=rng.randint(-120, 150)) if planned else None
            implemented_on = None if planned else created + timedelta(days=rng.randint(0, 60))
            fitted = content.fitting_control(sampled_title, risk.category, risk_text, taken)
            if fitted is None:
                continue
            title, kind = fitted
            taken.add(title)
            db.session.add(
                Countermeasure(
                    risk=risk,
                    title=title,
                    kind=CountermeasureKind(kind),
                    owner=risk.owner,
                    status=CountermeasureStatus.PLANNED if planned else CountermeasureStatus.IN_PLACE,
                    due_on=due,
                    implemented_on=implemented_on,
                    frequency=ControlFrequency(content.CONTROL_FREQUENCY[title]),
                )
            )

    def register_risks(self, register: Register, themes: list[tuple], stale_share: float) -> None:
        for number, theme in enumerate(themes, start=1):
            restricted = theme[0] == "Sensitive intelligence material mishandled"
            self.risk(register, theme, number, self.rng.random() < stale_share, restricted)
        register.last_ref_number = len(themes)

    def all_risks(self) -> None:
        rng = self.rng
        duplicating, local_only = content.LOCAL_RISKS[:12], content.LOCAL_RISKS[12:]
        for code, unit in self.units.items():
            register = unit.register
            if unit.kind is UnitKind.HEADQUARTERS:
                themes = list(content.CORPORATE_RISKS)
            elif unit.kind is UnitKind.AREA:
                # London North is the demo's showcase: it restates every corporate theme.
                restated = duplicating if code == "LN" else rng.sample(duplicating, k=rng.randint(6, 11))
                themes = restated + rng.sample(local_only, k=rng.randint(9, 14))
            else:
                themes = rng.sample(content.DIVISION_RISKS, k=rng.randint(5, 8)) + rng.sample(local_only, k=10)
            # London North is the register "nobody reads" (inspection 4.45); elsewhere reviews mostly happen.
            self.register_risks(register, themes, stale_share=0.35 if code == "LN" else 0.1)
            self.risk_count += len(themes)
        db.session.flush()

    def audit_risks(self) -> None:
        for risk in db.session.scalars(db.select(Risk).order_by(Risk.id)):
            audit.record(
                None,
                "risk.imported",
                "risk",
                risk.id,
                {"source": "demo organisation", "ref": risk.ref, "title": risk.title},
                risk_id=risk.id,
            )


def seed(today: date | None = None) -> str:
    builder = _Builder(today or clock_today())
    # The registers' figures are counted once at the end, not on each of the seed's thousands of flushes.
    with figures.deferred():
        builder.organisation()
        builder.appetite()
        builder.people()
        builder.all_risks()
        builder.audit_risks()
        link_risks(builder.today)
        assurance.seed(builder)
        similarity.embed_risks()
        flags.seed(builder.today)
        demo_certificates.seed(builder, DEMO_PASSWORD)
        demo_measures.seed(builder.today)
        demo_recommendations.seed(builder.today)
        demo_committee.seed(builder.today)
        demo_division.seed(builder, DEMO_PASSWORD)  # after the others: its own random numbers, adds only (issue 15)
    return f"Demo organisation loaded: {len(builder.units)} units, {builder.risk_count} risks.\n\n" + sign_ins_text()
