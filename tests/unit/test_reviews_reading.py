"""Reading a review: clauses split on contrast markers, complaints by aspect, hidden ones."""

from __future__ import annotations

import pytest

from courteous.events import Aspect, Severity
from courteous.reviews.lexicon import LANGUAGES, fold, lexicon
from courteous.reviews.reading import language_of, read, split_clauses


@pytest.mark.parametrize(
    ("text", "language", "aspect"),
    [
        ("Produto muito bom, mas a entrega atrasou uma semana.", "pt", Aspect.DELIVERY),
        ("Gostei, porém veio faltando uma peça.", "pt", Aspect.WRONG_OR_MISSING_ITEM),
        ("Great quality but the box arrived crushed.", "en", Aspect.PACKAGING),
        ("Love it, however customer service never replied.", "en", Aspect.SERVICE),
        ("东西不错，就是物流太慢了", "zh", Aspect.DELIVERY),
        ("质量很好，只是包装破损了", "zh", Aspect.PACKAGING),
        ("挺好的，可是少发了一个配件", "zh", Aspect.WRONG_OR_MISSING_ITEM),
    ],
)
def test_a_negative_clause_after_a_contrast_in_a_five_star_review_is_a_hidden_complaint(
    text: str, language: str, aspect: Aspect
) -> None:
    # Given a five-star review that praises, then complains after a contrast marker
    # When it is read
    reading = read(text, 5)
    # Then its language is told from the text and the complaint is found, hidden
    assert reading.language == language
    assert [c.aspect for c in reading.complaints] == [aspect]
    (complaint,) = reading.complaints
    assert complaint.hidden
    assert complaint.score < 0
    # And the excerpt is the clause after the marker, as the customer wrote it
    assert complaint.excerpt in text


@pytest.mark.parametrize(
    "text",
    [
        "Chegou antes do prazo. Recomendo!",
        "Produto sem defeito, tudo ok.",
        "Arrived early, no problems at all.",
        "物流很快，质量很好，没有问题",
    ],
)
def test_praise_and_negated_problems_are_not_complaints(text: str) -> None:
    # Given a five-star review that names a problem only as not having happened
    # When it is read
    reading = read(text, 5)
    # Then nothing is flagged
    assert reading.complaints == ()
    assert reading.score > 0


def test_a_low_rating_is_a_stated_complaint_even_without_a_reason() -> None:
    # Given a one-star review that says nothing, and one that says why
    silent = read("", 1)
    said = read("Não recebi o produto até agora", 1, "pt-BR")
    # Then both are complaints of high severity, the second about delivery
    assert [(c.aspect, c.severity, c.hidden) for c in silent.complaints] == [
        (Aspect.OTHER, Severity.HIGH, False)
    ]
    assert [(c.aspect, c.severity) for c in said.complaints] == [(Aspect.DELIVERY, Severity.HIGH)]


def test_a_hidden_missing_item_is_more_urgent_than_a_hidden_late_delivery() -> None:
    missing = read("Veio faltando uma peça, mas o produto é ótimo", 4, "pt")
    late = read("Produto ótimo, mas demorou a chegar", 4, "pt")
    assert [c.severity for c in missing.complaints] == [Severity.MEDIUM]
    assert [c.severity for c in late.complaints] == [Severity.LOW]


def test_a_language_without_a_lexicon_is_read_by_its_stars_only() -> None:
    # Given a French review (no French lexicon ships)
    good = read("Très bien, mais la livraison était lente", 5, "fr-FR")
    bad = read("Nul", 1, "fr")
    # Then a good rating flags nothing and a bad one is a complaint in general
    assert not good.supported and good.complaints == ()
    assert [c.aspect for c in bad.complaints] == [Aspect.OTHER]


def test_clauses_split_on_every_contrast_marker_of_the_language() -> None:
    text = "Bom. Bonito, mas caro. Chegou rápido, só que veio amassado"
    clauses = split_clauses(text, lexicon("pt"))
    assert clauses == [
        ("Bom", False),
        ("Bonito", False),
        ("caro", True),
        ("Chegou rápido", False),
        ("veio amassado", True),
    ]


def test_folding_keeps_every_character_in_its_place() -> None:
    # Spans found in the folded text must be the customer's own words
    text = "ÓTIMO produto, não chegou a tempo ﬁm"
    assert len(fold(text, "pt")) == len(text)
    assert fold("Não Chegou", "pt") == "nao chegou"


def test_every_lexicon_names_its_sources_and_compiles() -> None:
    for language in LANGUAGES:
        lex = lexicon(language)
        assert lex.sources
        assert lex.aspects and lex.praise
        assert {aspect for aspect, _ in lex.aspects} == set(Aspect)


@pytest.mark.parametrize(
    ("text", "tag", "language"),
    [
        ("whatever", "pt-BR", "pt"),
        ("The product arrived and it is good", None, "en"),
        ("O produto chegou e é muito bom", None, "pt"),
        ("很好", None, "zh"),
        ("", None, "und"),
    ],
)
def test_the_language_is_the_reviews_own_tag_else_told_from_the_text(
    text: str, tag: str | None, language: str
) -> None:
    assert language_of(text, tag) == language
