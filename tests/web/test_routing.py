"""URL rules build their URLs on first use (riskreg.web.hooks.LazyBuilderRule): the same URLs as werkzeug's."""

import pytest
from werkzeug.routing import Map, Rule

SAMPLES = {"IntegerConverter": 7, "_IdConverter": 12, "PathConverter": "css/site.css", "UnicodeConverter": "LN"}


def _values(rule: Rule) -> dict:
    return {name: SAMPLES[type(converter).__name__] for name, converter in rule._converters.items()}


def test_every_rule_builds_what_werkzeug_builds(app):
    rules = list(app.url_map.iter_rules())
    plain = Map([Rule(rule.rule, **rule.get_empty_kwargs()) for rule in rules], converters=app.url_map.converters)
    checked = 0
    for ours, theirs in zip(rules, plain.iter_rules(), strict=True):
        assert ours.rule == theirs.rule and type(theirs) is Rule
        values = _values(ours)
        for extra in ({}, {"page": 2, "q": "risk & control"}):
            for append_unknown in (True, False):
                assert ours.build(values | extra, append_unknown) == theirs.build(values | extra, append_unknown)
                checked += 1
        # A second build uses the builder the first one made.
        assert ours.build(values) == theirs.build(values)
    assert checked > 400


@pytest.mark.parametrize("endpoint", ["risks.show", "registers.show"])
def test_a_built_rule_keeps_its_builder(app, endpoint):
    (rule,) = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    values = _values(rule)
    first = rule.build(values, append_unknown=False)
    builder = rule._build
    assert builder.__name__.startswith("<builder")  # werkzeug's, made on the first build
    assert rule.build(values, append_unknown=False) == first
    assert rule._build is builder
