"""Analysis helpers the agents share: anomaly scoring (and, later, forecasting, search, LLMs)."""
