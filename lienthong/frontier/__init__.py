"""The capacity frontier: per configuration, the largest demand multiplier that meets the SLA.

`lienthong frontier SCENARIO --vary KEY=V1,V2,...` asks, for each value of KEY, how far the
scenario's demand can grow (every sender's rate times a multiplier) before the SLA breaks:
the share of deliveries delivered and acknowledged within the legal window falls below `--sla`,
or (when `--p99` is given) the 99th percentile of send -> acknowledged latency rises above it.

How (one idea per module):

- `bisection`: within one replication, the multiplier is bracketed (doubling or halving from a
  start) and the bracket halved in log scale until it is narrower than the resolution.
- `criteria`: what a replication's run says: the SLA share, the p99, pass or fail.
- `stopping`: replications are added until the 95% confidence interval of the mean multiplier
  is within the asked relative precision (the stopping rule of JMT's simulator: relative
  half-width of the interval at most the "maximum relative error").
- `search`: drives all configurations and replications at once on an executor (local
  processes or Dask), one bisection step per job, keeping every worker busy.
- `output`: frontier.json, points.csv (every point run) and frontier.png.

Common random numbers: replication r of every configuration and every multiplier draws from
the same streams (`topology.streams.stream(seed, name, r)`), so within a replication the runs
differ only by the multiplier, and between configurations only by the configuration.
"""
