import numpy as np
import pytest

from loadtest.agents import make_plan, sample_senders
from loadtest.scenario import read_scenario
from topology.build import build_topology
from topology.streams import stream


@pytest.fixture(scope="module")
def model(tiny_scenario):
    s = read_scenario(tiny_scenario)
    return build_topology(s.topology, s.rollout, s.demand, s.seed)


def test_same_seed_same_agencies_other_seed_others(model):
    assert sample_senders(model, 5, 1) == sample_senders(model, 5, 1)
    assert sample_senders(model, 5, 1) != sample_senders(model, 5, 2)


def test_sampling_follows_demand_weight(model):
    rates = {p.agency: p.documents_per_day for p in model.demand.profiles}
    drawn = [rates[a] for seed in range(40) for a in sample_senders(model, 3, seed)]
    # drawn by weight, the mean sender rate exceeds the plain average rate of all senders
    assert np.mean(drawn) > np.mean(list(rates.values()))


def test_every_possible_recipient_is_played_and_each_agency_once(model):
    plan = make_plan(model, users=4, agencies_per_user=2, seed=3)
    codes = [a.code for group in plan.groups for a in group]
    assert len(codes) == len(set(codes)) == len(plan.by_code)
    assert len(plan.senders) == 8 and all(any(a.documents_per_day for a in g)
                                          for g in plan.groups)
    rng = stream(0, "test")
    agencies = model.network.agencies
    for sender in plan.senders:
        for _ in range(30):
            for index in model.demand.sample_recipients(sender.index, rng):
                assert agencies[int(index)].code in plan.by_code


def test_asking_for_more_senders_than_exist_plays_them_all(model):
    plan = make_plan(model, users=2, agencies_per_user=100_000, seed=1)
    assert len(plan.senders) == len(model.demand.profiles)
