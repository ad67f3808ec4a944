"""Long-running agent tasks: submitted through the API, queued, run by a worker, artifacts stored."""
