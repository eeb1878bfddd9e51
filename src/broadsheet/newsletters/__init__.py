"""Newsletters: the morning briefing, good news and the best articles, by email."""
