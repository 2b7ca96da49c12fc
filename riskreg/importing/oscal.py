"""OSCAL (NIST's Open Security Controls Assessment Language) plans of action and milestones and assessment
results, in JSON, as rows of risks: each OSCAL risk (or a POA&M item without one) becomes a risk, its
likelihood and impact facets its scores, its remediations its countermeasures: planned or recommended ones
as planned actions, completed ones as controls in place. Pure: a document in, flat objects out.
"""

from typing import Any

PLANNED_LIFECYCLES = frozenset({"planned", "recommendation", "recommended", ""})
FACETS = {"likelihood": "Likelihood", "impact": "Impact"}


def kind_of(document: Any) -> str | None:
    if isinstance(document, dict):
        for kind in ("plan-of-action-and-milestones", "assessment-results"):
            if isinstance(document.get(kind), dict):
                return kind
    return None


def _risks(model: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    if kind == "assessment-results":
        return [
            risk
            for result in model.get("results") or []
            if isinstance(result, dict)
            for risk in result.get("risks") or []
            if isinstance(risk, dict)
        ]
    return [risk for risk in model.get("risks") or [] if isinstance(risk, dict)]


def _facets(risk: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for characterization in risk.get("characterizations") or []:
        for facet in (characterization or {}).get("facets") or []:
            name = str((facet or {}).get("name", "")).lower()
            if name in FACETS and name not in found:
                found[name] = str(facet.get("value", ""))
    return found


def _remediations(risk: dict[str, Any], planned: bool) -> list[str]:
    return [
        str(item.get("title") or item.get("description") or "").strip()
        for item in risk.get("remediations") or []
        if isinstance(item, dict) and (str(item.get("lifecycle", "")).lower() in PLANNED_LIFECYCLES) == planned
    ]


def _row(risk: dict[str, Any], reference: str) -> dict[str, Any]:
    facets = _facets(risk)
    return {
        "Risk ID": reference,
        "Title": risk.get("title"),
        "Description": risk.get("description"),
        "Consequence": risk.get("statement"),
        "Status": risk.get("status"),
        "Likelihood": facets.get("likelihood"),
        "Impact": facets.get("impact"),
        "Planned remediations": _remediations(risk, planned=True),
        "Completed remediations": _remediations(risk, planned=False),
        "Deadline": risk.get("deadline"),
    }


def _poam_references(model: dict[str, Any]) -> dict[str, str]:
    """Each risk's POA&M item identifier (a 'POAM-ID' property, else the item's title), by risk uuid."""
    references = {}
    for item in model.get("poam-items") or []:
        if not isinstance(item, dict):
            continue
        props = {str(p.get("name", "")).lower(): p.get("value") for p in item.get("props") or [] if isinstance(p, dict)}
        reference = str(props.get("poam-id") or "")
        for related in item.get("related-risks") or []:
            if isinstance(related, dict) and related.get("risk-uuid"):
                references[related["risk-uuid"]] = reference
    return references


def rows(document: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """(flat risks, a note saying how the document was read)."""
    kind = kind_of(document)
    assert kind is not None
    model = document[kind]
    references = _poam_references(model) if kind == "plan-of-action-and-milestones" else {}
    risks = _risks(model, kind)
    found = [_row(risk, references.get(risk.get("uuid"), "")) for risk in risks]
    if not found and kind == "plan-of-action-and-milestones":  # items with no risks of their own
        found = [_row(item, "") for item in model.get("poam-items") or [] if isinstance(item, dict)]
    what = "plan of action and milestones" if kind == "plan-of-action-and-milestones" else "assessment results"
    note = (
        f"Read as an OSCAL {what} (NIST's format): {len(found)} risks, their likelihood and impact facets "
        "as scores, planned or recommended remediations as planned actions and completed ones as controls."
    )
    return found, note
