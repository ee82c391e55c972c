"""Near-duplicates across splits are found by n-gram overlap; unrelated texts are not."""

import random

from cls_data.dataset.leakage import find_leaks


def _rows(gen, prefix, n, seed, lang="vi"):
    rng = random.Random(seed)
    text = (lambda k: gen.words(rng, gen.VI_SYLLABLES, k)) if lang == "vi" else (lambda k: gen.han(rng, k))
    return [{"id": f"{prefix}{i}", "text": text(200), "summary": text(30)} for i in range(n)]


def test_a_lightly_edited_copy_in_test_is_reported_against_train(gen):
    train, test = _rows(gen, "tr", 60, 1), _rows(gen, "te", 20, 2)
    copy = dict(test[3])
    copy["text"] = train[7]["text"].replace(train[7]["text"].split()[5], "khác", 1) + " thêm một câu"
    test[3] = copy
    test[5] = {**test[5], "summary": train[9]["summary"] + " năm nay"}
    leaks = find_leaks({"train": train, "validation": [], "test": test}, "vi")
    found = {(leak.field, leak.id, leak.other_id) for leak in leaks}
    assert found == {("text", "te3", "tr7"), ("summary", "te5", "tr9")}
    assert all(leak.split == "test" and leak.other_split == "train" and leak.overlap >= 0.8 for leak in leaks)


def test_chinese_near_duplicate_between_validation_and_test(gen):
    val, test = _rows(gen, "va", 20, 3, "zh"), _rows(gen, "te", 20, 4, "zh")
    test[0] = {**test[0], "summary": val[2]["summary"][:-1] + "。"}
    leaks = find_leaks({"train": [], "validation": val, "test": test}, "zh")
    assert [(leak.field, leak.split, leak.id, leak.other_split, leak.other_id) for leak in leaks] == [
        ("summary", "test", "te0", "validation", "va2")
    ]


def test_unrelated_splits_have_no_leaks(gen):
    splits = {"train": _rows(gen, "tr", 80, 5), "validation": _rows(gen, "va", 20, 6), "test": _rows(gen, "te", 20, 7)}
    assert find_leaks(splits, "vi") == []
