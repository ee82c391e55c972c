"""Dataset building (CLI verb `build`): dataset kinds, NCLS/LCSTS readers, dedup, split sampling,
leakage check, Table-1 statistics, dataset cards, Hub export."""
