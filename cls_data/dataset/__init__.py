"""Dataset building: NCLS readers, split sampling, Table-1 statistics, dataset cards, Hub export."""
