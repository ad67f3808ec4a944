"""The agent runtime: events, patterns, bus, queues, actors, supervision, scheduler, workflows.

Nothing in this package knows about MSPs; it depends only on `hexad.ports` and the standard library.
"""
