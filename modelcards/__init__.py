"""Dataset-card and model-card templates, shipped inside the package as `cls_data.modelcards`."""
