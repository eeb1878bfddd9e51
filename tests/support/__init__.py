"""Test helpers shared by several test modules (see ``http_server`` for the HTTP server)."""
