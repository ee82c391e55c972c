"""cls-data: build low-resource cross-lingual summarization datasets and benchmark models on them."""

__version__ = "0.1.0"
