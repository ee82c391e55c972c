"""A local transformers translation model (NLLB-200, M2M100, mBART-50, Marian), batched."""

from __future__ import annotations

import threading

from cls_data.errors import ClsDataError
from cls_data.text import base_language
from cls_data.translate.base import BackendSettings, map_code

# Our language codes in each model family's form, and the token that starts the target.
FAMILY_CODES: dict[str, dict[str, str]] = {
    "nllb": {
        "vi": "vie_Latn",
        "zh": "zho_Hans",
        "en": "eng_Latn",
        "th": "tha_Thai",
        "fr": "fra_Latn",
        "de": "deu_Latn",
        "ja": "jpn_Jpan",
        "ko": "kor_Hang",
        "id": "ind_Latn",
        "es": "spa_Latn",
    },
    "m2m100": {
        "vi": "vi",
        "zh": "zh",
        "en": "en",
        "th": "th",
        "fr": "fr",
        "de": "de",
        "ja": "ja",
        "ko": "ko",
        "id": "id",
        "es": "es",
    },
    "mbart50": {
        "vi": "vi_VN",
        "zh": "zh_CN",
        "en": "en_XX",
        "th": "th_TH",
        "fr": "fr_XX",
        "de": "de_DE",
        "ja": "ja_XX",
        "ko": "ko_KR",
        "id": "id_ID",
        "es": "es_XX",
    },
}
_LANG_TOKEN = {"nllb": "{}", "m2m100": "__{}__", "mbart50": "{}"}


def model_family(tokenizer) -> str:
    """nllb, m2m100, mbart50 or marian (one pair per model, no codes), from the tokenizer class."""
    name = type(tokenizer).__name__.lower()
    for family in ("nllb", "m2m100", "mbart50", "marian"):
        if family in name:
            return family
    raise ClsDataError(
        f"hf backend: do not know the language codes of {type(tokenizer).__name__};"
        " supported families: NLLB-200, M2M100, mBART-50, Marian"
    )


class HFTranslator:
    name = "hf"
    max_chars = 1_000_000  # a batch is bounded by max_items; long inputs are truncated by tokens

    def __init__(
        self,
        model: str,
        batch_size: int = 16,
        device: str | None = None,
        num_beams: int = 4,
        max_new_tokens: int = 256,
        max_input_tokens: int = 512,
    ):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.model = model
        self.max_items = batch_size
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model)
            dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
            self.net = AutoModelForSeq2SeqLM.from_pretrained(model, dtype=dtype).to(self.device).eval()
        except OSError as exc:
            raise ClsDataError(f"hf backend: cannot load model {model!r}: {exc}".splitlines()[0]) from None
        self.family = model_family(self.tokenizer)
        self.num_beams, self.max_new_tokens, self.max_input_tokens = num_beams, max_new_tokens, max_input_tokens
        self._lock = threading.Lock()  # one model, one batch at a time

    def codes(self, src: str, tgt: str) -> tuple[str, str]:
        if self.family == "marian":
            return base_language(src), base_language(tgt)
        from cls_data.languages import family_codes

        table = {**family_codes(self.family), **FAMILY_CODES[self.family]}  # languages.tsv, then the fixed ten
        pair = map_code(table, src, f"hf ({self.family})"), map_code(table, tgt, f"hf ({self.family})")
        for code in pair:
            token = _LANG_TOKEN[self.family].format(code)
            if self.tokenizer.convert_tokens_to_ids(token) in (None, self.tokenizer.unk_token_id):
                raise ClsDataError(f"hf backend: model {self.model!r} has no language token {token!r}")
        return pair

    def close(self) -> None:
        """Nothing held beyond Python objects; the model goes with this translator."""

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        import torch

        generate: dict[str, object] = {"num_beams": self.num_beams, "max_new_tokens": self.max_new_tokens}
        with self._lock:
            if self.family != "marian":
                self.tokenizer.src_lang = src
                token = _LANG_TOKEN[self.family].format(tgt)
                generate["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(token)
            batch = self.tokenizer(
                texts, return_tensors="pt", padding=True, truncation=True, max_length=self.max_input_tokens
            ).to(self.device)
            with torch.inference_mode():
                output = self.net.generate(**batch, **generate)
            return [s.strip() for s in self.tokenizer.batch_decode(output, skip_special_tokens=True)]


def from_settings(settings: BackendSettings) -> HFTranslator:
    """The `hf` backend (`translate.BACKENDS`): a local seq2seq model named by --model."""
    if not settings.model:
        raise ClsDataError("the hf backend needs --model (e.g. facebook/nllb-200-distilled-600M or a local path)")
    return HFTranslator(settings.model, batch_size=settings.batch_size)
