"""Text analysis over stored articles: who says what (attribution)."""
