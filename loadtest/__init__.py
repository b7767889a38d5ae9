"""Locust load tests whose users are agency systems drawn from the topology and demand model."""
