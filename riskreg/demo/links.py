"""Demo links: area and division risks that inform corporate risks, with every kind of divergence.

Only some areas have linked their restatements of corporate risks; the rest are
left unlinked on purpose, so the HQ duplicate detector has real duplicates to find.
Everything goes through the services, so the demo obeys the link rules and is audited.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.demo import content
from riskreg.enums import LinkKind, ReviewOutcome, UnitKind
from riskreg.extensions import db
from riskreg.models import Register, Risk, User
from riskreg.services import committee, risks
from riskreg.services import links as links_service

CONTRIBUTES = LinkKind.CONTRIBUTES_TO
# Areas that have linked their restated corporate risks (London North only some of them).
LINKED_AREAS = ("LS", "MC", "YH", "CW")
LONDON_NORTH_LINKED = (0, 2, 3, 5, 9, 10)  # workforce, custody, disclosure, witnesses, estate, hate crime

CORPORATE = [theme[0] for theme in content.CORPORATE_RISKS]
RESTATED = {theme[0]: CORPORATE[i] for i, theme in enumerate(content.LOCAL_RISKS[:12])}
# Division themes and the corporate risk each informs.
DIVISION_THEMES = {theme[0] for theme in content.DIVISION_RISKS}
DIVISION_INFORMS = {
    "Complex cases exceed the division's capacity": CORPORATE[0],
    "Not enough specialist lawyers for caseload": CORPORATE[0],
    "Counsel fees exceed the division's budget": CORPORATE[1],
    "Unmanageable volumes of digital material": CORPORATE[3],
    "Sensitive intelligence material mishandled": CORPORATE[7],
    "Case papers lost or sent to the wrong person": CORPORATE[7],
}


class _DemoLinks:
    def __init__(self, today: date) -> None:
        self.today = today
        rows = db.session.scalars(
            sa.select(Risk).options(joinedload(Risk.register).joinedload(Register.unit), joinedload(Risk.owner))
        ).all()
        self.by_unit: dict[str, dict[str, Risk]] = {}
        for risk in rows:
            self.by_unit.setdefault(risk.register.unit.code, {})[risk.title] = risk
        self.corporate = self.by_unit["HQ"]
        self.hq_team = _user("hq.risk@example.org")

    def link(self, source: Risk, target: Risk, kind: LinkKind, rationale: str) -> None:
        links_service.add_link(source, target, kind, rationale, self.hq_team)

    def areas(self) -> None:
        for code in ("LN", *LINKED_AREAS):
            wanted = {CORPORATE[i] for i in LONDON_NORTH_LINKED} if code == "LN" else set(CORPORATE)
            for title, risk in sorted(self.by_unit[code].items(), key=lambda item: item[1].id):
                if RESTATED.get(title) in wanted:
                    rationale = f"{code}'s local form of the corporate risk, agreed at the quarterly risk review"
                    self.link(risk, self.corporate[RESTATED[title]], CONTRIBUTES, rationale)
            expenses = self.by_unit[code].get("Late payment of witness expenses")
            if expenses is not None:
                witnesses = self.corporate[CORPORATE[5]]
                self.link(expenses, witnesses, LinkKind.RELATED, "Unpaid expenses put witnesses off attending")

    def divisions(self) -> None:
        duplicate_marked = False
        for code in sorted(self.by_unit):
            unit_risks = self.by_unit[code]
            unit = next(iter(unit_risks.values())).register.unit
            if unit.kind not in (UnitKind.DIVISION, UnitKind.UNIT):
                continue
            # A unit's division-specific risks inform (or repeat) its division's risk of the same theme.
            parent_risks = self.by_unit.get(unit.parent.code, {}) if unit.kind is UnitKind.UNIT else {}
            parent_risks = {title: risk for title, risk in parent_risks.items() if title in DIVISION_THEMES}
            for title, risk in sorted(unit_risks.items(), key=lambda item: item[1].id):
                if title in parent_risks and not duplicate_marked:
                    self.link(risk, parent_risks[title], LinkKind.DUPLICATES, "The same risk, held in both registers")
                    duplicate_marked = True
                elif title in parent_risks:
                    self.link(risk, parent_risks[title], CONTRIBUTES, "The unit's share of the division's risk")
                elif title in DIVISION_INFORMS:
                    target = self.corporate[DIVISION_INFORMS[title]]
                    self.link(risk, target, CONTRIBUTES, "Casework divisions report this to the corporate register")

    def rescore(self, risk: Risk, likelihood: int, impact: int, commentary: str) -> None:
        risk.inherent_l, risk.inherent_i = max(risk.inherent_l, likelihood), max(risk.inherent_i, impact)
        values = {
            "reviewed_on": self.today - timedelta(days=3), "residual_l": likelihood, "residual_i": impact,
            "commentary": commentary, "outcome": ReviewOutcome.FURTHER_ACTION,
        }  # fmt: skip
        risks.record_review(risk, values, risk.version, risk.owner)

    def divergences(self) -> None:
        """One deliberate case of each divergence, whatever the random scores came out as."""
        ln = self.by_unit["LN"]
        # Scored above the parent: London North's custody risk well above the corporate view.
        self.rescore(self.corporate[CORPORATE[2]], 3, 4, "Corporate view: national failures are falling.")
        self.rescore(ln["Custody cases released because time limits are missed"], 4, 5,
                     "Two custody time limit failures this quarter; manual diaries still in use.")  # fmt: skip
        # Above appetite (operations: tolerance 9) while the corporate risk is within it.
        self.rescore(self.corporate[CORPORATE[10]], 3, 3, "Flagging rates have improved nationally.")
        self.rescore(ln["Hate crime flags not applied"], 3, 4, "New starters are not applying the flags.")
        # A corporate risk closed while an area risk still contributes to it.
        estate = self.corporate[CORPORATE[9]]
        reason = "The estate rationalisation programme has finished; what remains is managed locally."
        risks.close_risk(estate, reason, estate.version, _user("risk.hq@example.org"))

    def comments(self) -> None:
        chair = _user("committee@example.org")
        committee.add_comment(
            self.corporate[CORPORATE[2]],
            "London North scores this risk far higher than the corporate register does. The committee asks for "
            "the two views to be reconciled before the next meeting.",
            chair,
        )
        committee.add_comment(
            self.corporate[CORPORATE[0]],
            "Please show the effect of the recruitment campaign on the area workforce risks in the next pack.",
            chair,
        )
        committee.add_comment(
            self.by_unit["LN"]["Custody cases released because time limits are missed"],
            "The committee has seen the two failures this quarter: when will electronic diaries be in place?",
            chair,
        )


def _user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


def link_risks(today: date) -> None:
    demo = _DemoLinks(today)
    demo.areas()
    demo.divisions()
    demo.divergences()
    demo.comments()
    db.session.flush()
