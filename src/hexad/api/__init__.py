"""The HTTP API: REST under /api/v1, live updates over WebSocket, health and metrics."""
