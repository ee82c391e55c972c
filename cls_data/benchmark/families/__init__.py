"""One module per model family, each holding its variants' specs, model builders, text codec and tiny smoke backbone.

`mbart.py`: mbart-cls, tflcls and its ablations. `ncls.py`: ncls, ncls-ms (Transformers trained from
scratch on a dataset-trained vocabulary). `mbert.py`: mclas, nguyen-kd (mBERT encoder + BERT-layer
decoder). `llm.py`: llm-prompt, llm-lora (a decoder-only instruction model, prompted or with LoRA;
beyond the paper, docs/llm.md). A new variant of a family is one `@register_variant` function in its module; a new
family
is one module here plus its name in `registry.FAMILY_MODULES`. Nothing here imports torch at module level.
"""
