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
from riskreg.rules import links as link_rules
from riskreg.rules import scoring
from riskreg.rules.scoring import DEFAULT_RULES
from riskreg.services import committee, risks
from riskreg.services import links as links_service

CONTRIBUTES = LinkKind.CONTRIBUTES_TO
# Areas that have not linked their restatements of the corporate risks the inspection found duplicated
# (4.10: resources, budget cuts, accommodation, reliance on other agencies), over which areas have marginal
# influence; every other restatement is linked as contributing. London North leaves a few more unlinked.
UNLINKED_AREAS = ("LN", "NE", "SW")
INSPECTION_THEMES = (0, 1, 4, 9)  # workforce, funding, police files, accommodation
LONDON_NORTH_UNLINKED = (0, 1, 4, 8)  # workforce, funding, police files, advocacy (its estate risk is linked)

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
        for code, name in content.AREAS:
            unlinked = LONDON_NORTH_UNLINKED if code == "LN" else INSPECTION_THEMES if code in UNLINKED_AREAS else ()
            # Only London North still links its office move to the estate risk HQ closes (divergences below).
            wanted = {title for i, title in enumerate(CORPORATE) if i not in unlinked and (i != 9 or code == "LN")}
            for title, risk in sorted(self.by_unit[code].items(), key=lambda item: item[1].id):
                if RESTATED.get(title) in wanted:
                    rationale = f"{name}'s local form of the corporate risk, agreed at the quarterly risk review"
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
            # A unit's risks inform (once, repeat) its division's risk of the same theme.
            parent_risks = self.by_unit.get(unit.parent.code, {}) if unit.kind is UnitKind.UNIT else {}
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
            "reviewed_on": self.today - timedelta(days=3),
            "residual_l": likelihood,
            "residual_i": impact,
            "commentary": commentary,
            "outcome": ReviewOutcome.FURTHER_ACTION,
        }
        risks.record_review(risk, values, risk.version, risk.owner)

    def consistent(self) -> None:
        """HQ scores each corporate risk in the light of the risks that inform it: at least as high as the
        highest, and above appetite when one of them is. Only the divergences below are left on purpose."""
        deliberate = {CORPORATE[2], CORPORATE[9], CORPORATE[10]}
        for title, corporate in sorted(self.corporate.items(), key=lambda item: item[1].id):
            contributors = [
                link.from_risk for link in links_service.contributions_to([corporate.id]) if link.from_risk.is_open
            ]
            diverging = [risk for risk in contributors if link_rules.divergences(risk, corporate, DEFAULT_RULES)]
            if title in deliberate or not diverging:
                continue
            target = max(risk.residual_score for risk in contributors)
            if any(scoring.is_above_appetite(risk.residual_score, risk.category) for risk in contributors):
                target = max(target, scoring.tolerance_for(corporate.category) + 1)
            scores = [(odds, harm) for odds in range(1, 6) for harm in range(1, 6) if odds * harm >= target]
            likelihood, impact = min(scores, key=lambda pair: (pair[0] * pair[1], -pair[1]))
            self.rescore(corporate, likelihood, impact, "Rescored in the light of the areas' and divisions' views.")

    def divergences(self) -> None:
        """One deliberate case of each divergence, whatever the random scores came out as."""
        ln = self.by_unit["LN"]
        # Scored above the parent: London North's custody risk well above the corporate view.
        self.rescore(self.corporate[CORPORATE[2]], 3, 4, "Corporate view: national failures are falling.")
        self.rescore(
            ln["Custody cases released because time limits are missed"],
            4,
            5,
            "Two custody time limit failures this quarter; manual diaries still in use.",
        )
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
    demo.consistent()
    demo.divergences()
    demo.comments()
    db.session.flush()
