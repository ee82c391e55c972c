"""One module per model family; every model's `forward` returns named per-task losses."""
