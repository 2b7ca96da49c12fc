"""Demo measures and quarterly performance reviews (issue 19), seeded after everything else.

London North's custody time limit failures breach tolerance in the latest complete month: the value flags LN-003
("Custody cases released because time limits are missed") for review, and London North's QPR pack for that
quarter shows the measure's trend with the action agreed at the review before, its owner, due date and exit
criterion. The same measure breached once before, in October of the year London North's draft certificate covers:
the certificate's custody time limits assertion cites it, so it is graded weak and the breach is disclosed, and the
preparer declares it with an exception saying so. A few other measures carry two years of values within or near
tolerance. Its own random numbers, dates relative to the day it is seeded, and nothing found by row id.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from riskreg.enums import Declaration, MeasureDirection, MeasureFrequency
from riskreg.extensions import db
from riskreg.models import Certificate, Measure, Risk, Unit, User
from riskreg.rules import certificates as certificate_rules
from riskreg.rules import measures as measure_rules
from riskreg.services.certificates import queries, workflow
from riskreg.services.measures import catalogue, qpr

SEED = 19
MONTHS, QUARTERS = 24, 8

# Both London areas count custody time limit failures the same way, from the same report.
CUSTODY_TIME_LIMITS = (
    "Custody time limit failures",
    "Custody time limits that expired in the month without a successful application to extend them",
    "failures",
    MeasureDirection.HIGHER_IS_WORSE,
    MeasureFrequency.MONTHLY,
    Decimal(0),
    Decimal(2),
    "Case management system: custody time limit report",
)

# (unit, name, definition, unit of measure, direction, frequency, green, red, source, risks, values)
# ``values`` draws a value for each period (oldest first) from the demo's random numbers.
MEASURES = [
    (
        "LN",
        *CUSTODY_TIME_LIMITS,
        ("LN-003",),
        # Mostly none, the odd one, then two and four in the latest months: the breach.
        lambda rng, count: [rng.choice((0, 0, 0, 1)) for _ in range(count - 2)] + [2, 4],
    ),
    (
        "LN",
        "Witness attendance at trial",
        "Share of warned witnesses who attended the first trial listing",
        "%",
        MeasureDirection.HIGHER_IS_BETTER,
        MeasureFrequency.MONTHLY,
        Decimal(85),
        Decimal(75),
        "Witness care unit returns",
        ("LN-006",),
        lambda rng, count: [round(rng.uniform(78, 90), 1) for _ in range(count)],
    ),
    (
        "LN",
        "Police files meeting the national file standard",
        "Share of files sampled at first hearing that met the national file standard",
        "%",
        MeasureDirection.HIGHER_IS_BETTER,
        MeasureFrequency.QUARTERLY,
        Decimal(80),
        Decimal(60),
        "Joint police and prosecution file quality dip sample",
        ("LN-005",),
        lambda rng, count: [round(rng.uniform(62, 78), 1) for _ in range(count)],
    ),
    (
        "LS",
        *CUSTODY_TIME_LIMITS,
        (),
        lambda rng, count: [rng.choice((0, 0, 0, 0, 1)) for _ in range(count)],
    ),
]


# London North's custody time limit failures in October of the certified year: above the red limit of two.
YEAR_BREACH = Decimal(3)
CUSTODY_ASSERTION = "custody time limits"


def _year_breach(today: date) -> date:
    """October of the financial year being certified: its third quarter."""
    return date(certificate_rules.certifying_period(today).start.year, 10, 1)


def _periods(today: date, frequency: MeasureFrequency) -> list[date]:
    """Two years of periods up to the latest complete month (or the quarter holding it)."""
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    latest = measure_rules.period_start(last_month, frequency)
    count = MONTHS if frequency is MeasureFrequency.MONTHLY else QUARTERS
    return measure_rules.periods_back(latest, frequency, count)


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _measures(rng: random.Random, today: date) -> None:
    for code, name, definition, unit_name, direction, frequency, green, red, source, refs, draw in MEASURES:
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
        actor = _user(f"risk.{code.lower()}@example.org") or _user(f"head.{code.lower()}@example.org")
        risks = db.session.scalars(sa.select(Risk).where(Risk.ref.in_(refs)).order_by(Risk.ref)).all()
        values = {
            "name": name,
            "definition": definition,
            "unit_of_measure": unit_name,
            "direction": direction,
            "frequency": frequency,
            "green_limit": green,
            "red_limit": red,
            "source": source,
        }
        measure = catalogue.create_measure(unit, values, [risk.id for risk in risks], actor)
        periods = _periods(today, frequency)
        drawn = dict(zip(periods, draw(rng, len(periods)), strict=True))
        if code == "LN" and name == CUSTODY_TIME_LIMITS[0]:
            drawn[_year_breach(today)] = YEAR_BREACH
        items = [catalogue.ValueInput(start, Decimal(str(value))) for start, value in drawn.items()]
        catalogue.record_values(measure, items, actor, today)


def _actions(today: date) -> None:
    """The action London North's last review agreed on custody time limits, carried into this quarter's pack."""
    london_north = db.session.scalar(sa.select(Unit).where(Unit.code == "LN"))
    head, manager = _user("head.ln@example.org"), _user("risk.ln@example.org")
    risk = db.session.scalar(sa.select(Risk).where(Risk.ref == "LN-003"))
    quarter = measure_rules.review_quarter(today)
    qpr.agree_action(
        london_north,
        quarter.previous(),
        {
            "title": "Replace manual custody time limit diaries with the case management system's alerts",
            "owner": head,
            "due_on": quarter.end + timedelta(days=45),
            "exit_criterion": "Every custody case has a system alert, and no custody time limit failures for three "
            "months in a row",
            "risk": risk,
        },
        manager,
        today,
    )
    qpr.agree_action(
        london_north,
        quarter,
        {
            "title": "Weekly custody time limit assurance meeting chaired by the Deputy Chief Crown Prosecutor",
            "owner": manager,
            "due_on": quarter.next().end,
            "exit_criterion": "The failures measure within tolerance (two a month or fewer) for a whole quarter",
            "risk": risk,
        },
        manager,
        today,
    )


def _cite(today: date) -> None:
    """London North's draft certificate cites the custody time limit failures measure for its custody assertion:
    the breach in the year keeps it below what "assured" needs and is disclosed. The preparer adds the breach to
    the assertion's exception (the draft's two assertions left assured on weak evidence stay for the head to fix)."""
    london_north = db.session.scalar(sa.select(Unit).where(Unit.code == "LN"))
    period = certificate_rules.certifying_period(today)
    found = db.session.scalar(
        sa.select(Certificate).where(Certificate.unit_id == london_north.id, Certificate.period == period.label)
    )
    if found is None:
        return
    certificate = queries.get_certificate(found.id)
    view = queries.view(certificate, today)
    line = next(line for line in view.assertions if CUSTODY_ASSERTION in line.statement.lower())
    measure = db.session.scalar(
        sa.select(Measure).where(Measure.unit_id == london_north.id, Measure.name == CUSTODY_TIME_LIMITS[0])
    )
    manager = _user("risk.ln@example.org")
    assertion = queries.get_assertion(certificate, line.id)
    workflow.cite_measures(assertion, {measure.id}, manager)
    if line.problem is None:  # signable as declared: the preparer says what the measure showed
        declaration = (
            Declaration.ASSURED_WITH_EXCEPTIONS if line.declaration is Declaration.ASSURED else line.declaration
        )
        breach = (
            f"Custody time limit failures were outside tolerance in {_year_breach(today):%B %Y} ({YEAR_BREACH} "
            "failures, more than the two tolerated); the failures are reported monthly to the area management team."
        )
        workflow.declare(assertion, declaration, f"{line.exception_text} {breach}".strip(), manager)


def seed(today: date) -> None:
    rng = random.Random(SEED)
    _measures(rng, today)
    _actions(today)
    _cite(today)
