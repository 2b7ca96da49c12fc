"""axe-core, the npm package pinned in package.json, run inside the page under test."""

from pathlib import Path

from playwright.sync_api import Page

from riskreg import PROJECT_ROOT

AXE_SOURCE: Path = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA. axe-core has no wcag22a tag: it has no automated rule for the
# criteria WCAG 2.2 added at level A (those need a person), so they are not listed.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN = """async (tags) => {
  const results = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def violations(page: Page) -> list[dict]:
    """The page's WCAG A/AA violations as axe reports them (id, impact, help, nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # page.evaluate goes through the DevTools protocol, which the page's Content-Security-Policy does not
        # govern, so axe runs in the page exactly as served. page.add_script_tag would insert an inline
        # <script> without our nonce, which the CSP rightly blocks; a bypass_csp context would work too but
        # would also switch the CSP off for the journey being checked.
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    return page.evaluate(_RUN, WCAG_TAGS)


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} - {violation['helpUrl']}")
        for node in violation["nodes"]:
            summary = (node["summary"] or "").replace("\n", "\n        ")
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
