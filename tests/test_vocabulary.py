import pytest

from qa.index.vocabulary import Vocabulary, same_root
from qa.lexicon.terms import analyze


@pytest.mark.parametrize("a, b, expected", [
    ("america", "american", True),
    ("china", "chines", True),  # China / Chinese, stemmed
    ("itali", "italian", True),
    ("japan", "japanes", True),
    ("llama", "llamas", True),
    ("deepseek", "deep", False),  # a longer name is not a form of a shorter word
    ("ascend", "ascendancy", False),  # a different word, not an ending
    ("sora", "sort", False),  # three letters in common are not a stem
    ("kling", "kling", False),  # the same term is not another form
])
def test_same_root(a, b, expected):
    assert same_root(a, b) is expected
    assert same_root(b, a) is expected


def test_variant_finds_another_form_of_a_term_the_corpus_lacks():
    vocab = Vocabulary(analyze("American and Chinese firms; deep learning; the ascendancy of Kling"))
    assert "american" in vocab and len(vocab) == 7
    assert vocab.variant("america") == "american"
    assert vocab.variant(analyze("China")[0]) == "chines"
    assert vocab.variant("deepseek") is None
    assert vocab.variant("ai") is None  # too short to have a stem
    assert vocab.normalize(["america", "kling", "huawei"]) == ["american", "kling", "huawei"]


def test_correction_finds_the_corpus_word_a_name_misspells():
    vocab = Vocabulary(analyze("Kuaishou released Kling; the Hollywood studios; palm oil; Meta"))
    assert vocab.correction("kuaishu") == "kuaishou"
    assert vocab.correction("hollwood") == "hollywood"
    assert vocab.correction("kuaishou") is None  # a corpus term is no misspelling
    assert vocab.correction("huawei") is None  # nothing close
    assert vocab.correction("metta") == "meta"  # one letter too many
    assert vocab.correction("kli") is None  # too short to judge
    # Misspellings are suggested, not searched for: a near word is often another word.
    assert vocab.normalize(["kuaishu"]) == ["kuaishu"]


def test_suggest_gives_the_word_as_the_text_writes_it():
    from qa.reader.names import suggest

    vocab = Vocabulary(analyze("Kuaishou’s Kling and Hollywood"))
    assert suggest("Kuaishu", vocab, ["The video came from Kuaishou’s Kling."]) == "Kuaishou"
    assert suggest("Kuaishu", vocab) == "kuaishou"  # no text to read it from: the index's term
    assert suggest("DeepSeek", vocab) is None
