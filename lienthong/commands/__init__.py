"""One module per sub-command; each has `register(subparsers)` which sets `run` as default."""

from lienthong.commands import (
    axis_cmd,
    calibrate_cmd,
    compare_cmd,
    demand_fit_cmd,
    frontier_cmd,
    loadtest_cmd,
    report_cmd,
    simulate_cmd,
    sweep_cmd,
    topology_cmd,
    validate_cmd,
)

COMMAND_MODULES = [topology_cmd, simulate_cmd, sweep_cmd, frontier_cmd, axis_cmd, loadtest_cmd,
                   compare_cmd, report_cmd, calibrate_cmd, validate_cmd, demand_fit_cmd]
