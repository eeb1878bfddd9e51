"""Writing briefings: extractive summaries, facts, perspectives, and their faithfulness."""
