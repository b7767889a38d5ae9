"""The run context: what every Locust process of a run shares."""

from __future__ import annotations

from loadtest.context import build_context, resolve_settings
from loadtest.scenario import read_scenario
from tests.conftest import TINY


def test_a_user_count_asked_later_is_honoured():
    """Locust's web UI asks for users after start-up; the shape then plays that many groups."""
    scenario = read_scenario(TINY)
    context = build_context(scenario, resolve_settings(scenario), "local")
    assert len(context.plan.groups) == 3  # the scenario's users
    assert context.take_asked(5, 2.0)
    assert len(context.plan.groups) == 5 and context.settings.users == 5
    assert context.settings.spawn_rate == 2.0
    assert not context.take_asked(None, None) and len(context.plan.groups) == 5


def test_the_demand_scale_multiplies_every_senders_rate():
    scenario = read_scenario(TINY)
    once = build_context(scenario, resolve_settings(scenario), "local")
    tenfold = read_scenario(TINY, ["loadtest.demand_scale=10"])
    ten = build_context(tenfold, resolve_settings(tenfold), "local")
    assert ten.intended_send_rate == 10 * once.intended_send_rate > 0
