"""The round-trip filter: translate summaries, translate them back, score, rank and keep the top K."""
