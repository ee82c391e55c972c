"""The model benchmark: train and score the paper's CLS models on a built dataset (`cls-data benchmark`)."""
