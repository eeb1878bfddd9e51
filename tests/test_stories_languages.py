"""Articles in another language than English: their function words are not terms.

The French reports below are invented for these tests (towns, people and clubs included).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadsheet.stories.cluster import ClusterDoc, cluster_documents
from broadsheet.stories.languages import detect_language
from broadsheet.stories.text import TermNormaliser, term_counts
from tests.support.articles import make_events

T0 = datetime(2026, 3, 1, 6, tzinfo=UTC)

# Three events, two reports each, worded differently: a bridge, a factory, a cup final.
FRENCH: list[tuple[int, str, str]] = [
    (0, "Villebrune ferme son pont principal pour trois mois",
     "La maire de Villebrune, Hélène Marchand, a annoncé mardi la fermeture du pont "
     "principal de la ville pour des travaux de rénovation. Les habitants devront passer "
     "par la route du nord pendant trois mois. Selon la mairie, les commerces du centre "
     "resteront ouverts et des navettes gratuites seront mises en place. Le chantier doit "
     "commencer la semaine prochaine et son coût est estimé à deux millions d'euros."),
    (1, "Voltaris ouvre une usine de batteries à Sarmonde",
     "Le fabricant de batteries Voltaris a inauguré mercredi une usine à Sarmonde, dans "
     "l'est du pays. Le site emploiera quatre cents personnes d'ici la fin de l'année. Sa "
     "directrice, Claire Dumas, a expliqué que la production commencera en juin et que "
     "les premières batteries seront livrées à des constructeurs automobiles. Les syndicats "
     "se sont félicités de la création de ces emplois dans la région."),
    (2, "Portaval remporte la coupe nationale",
     "Le club de Portaval a remporté samedi soir la finale de la coupe nationale, au terme "
     "d'un match serré. Les supporters ont célébré la victoire dans les rues de la ville "
     "jusque tard dans la nuit. L'entraîneur Marc Lebrun a salué le travail de ses joueurs "
     "pendant toute la saison et a dédié le trophée aux bénévoles du club."),
    (0, "Travaux du pont de Villebrune : ce qui change pour les habitants",
     "À Villebrune, la fermeture du pont principal inquiète les commerçants. Hélène "
     "Marchand a assuré jeudi que des navettes gratuites relieront les deux rives pendant "
     "les trois mois de travaux. La rénovation du pont, estimée à deux millions d'euros, "
     "était réclamée depuis plusieurs années par les habitants du quartier nord."),
    (1, "Sarmonde : l'usine Voltaris promet quatre cents emplois",
     "Quatre cents emplois sont attendus dans la nouvelle usine de batteries de Voltaris, "
     "inaugurée à Sarmonde. Claire Dumas a indiqué que l'entreprise recrute déjà des "
     "techniciens et que la production de batteries débutera en juin. Les élus de la "
     "région espèrent que d'autres entreprises suivront."),
    (2, "Marc Lebrun : « Cette coupe appartient à tout Portaval »",
     "Au lendemain de la victoire de Portaval en finale de la coupe nationale, l'entraîneur "
     "Marc Lebrun a rendu hommage aux joueurs et aux bénévoles. Des milliers de supporters "
     "ont accueilli l'équipe dimanche devant la mairie, où le trophée a été présenté au "
     "public. Le club disputera la saison prochaine une compétition européenne."),
]


def _french_docs() -> tuple[list[ClusterDoc], dict[str, int]]:
    docs, event_of = [], {}
    for n, (event, title, text) in enumerate(FRENCH):
        doc_id = f"fr{n}"
        docs.append(ClusterDoc(id=doc_id, title=title, text=text,
                               published=T0 + timedelta(hours=30 + n)))
        event_of[doc_id] = event
    return docs, event_of


def test_french_reports_among_english_ones_group_by_event_not_by_language() -> None:
    english = [
        ClusterDoc(id=f"en{n}", title=a.title, text=a.text, published=a.published)
        for n, a in enumerate(make_events(8, 3, ["a", "b", "c"], start=T0))
    ]
    french, event_of = _french_docs()
    story_of = cluster_documents(english + french)
    stories_of_event: dict[int, set[str]] = {}
    for doc_id, event in event_of.items():
        stories_of_event.setdefault(event, set()).add(story_of[doc_id])
    # Each event is one story, and no two events share one (their function words did).
    assert all(len(stories) == 1 for stories in stories_of_event.values())
    assert len(set().union(*stories_of_event.values())) == 3
    assert not {story_of[d.id] for d in english} & set().union(*stories_of_event.values())


def test_a_french_articles_function_words_are_neither_terms_nor_names() -> None:
    title, text = FRENCH[0][1], FRENCH[0][2]
    counts, names, title_terms = term_counts(
        title, text, TermNormaliser(), title_weight=2.0, lead_chars=1800
    )
    for function_word in ("la", "le", "les", "du", "pour", "par", "dan", "sera"):
        assert function_word not in counts
    assert "le" not in names and "la" not in names  # sentence-initial "Le", "La"
    assert {"villebrune", "marchand", "pont"} <= counts.keys()
    assert {"villebrune", "marchand"} <= names
    assert "son" not in title_terms and "villebrune" in title_terms


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (FRENCH[1][2], "french"),
        ("Die Stadt hat am Dienstag angekündigt, dass die Brücke über den Fluss für drei "
         "Monate gesperrt wird. Nach Angaben der Verwaltung bleiben die Geschäfte im Zentrum "
         "geöffnet, und es wird einen kostenlosen Bus geben.", "german"),
        ("El ayuntamiento anunció el martes que el puente principal de la ciudad estará "
         "cerrado durante tres meses por obras. Según la alcaldesa, los comercios del centro "
         "seguirán abiertos y habrá autobuses gratuitos para los vecinos.", "spanish"),
        ("The council said on Tuesday that the main bridge would close for three months "
         "of repairs, and that shops in the centre would stay open while free buses run.",
         "english"),
        ("Villebrune Sarmonde Portaval Marchand Dumas Lebrun Voltaris 2026 400 12", None),
    ],
)
def test_the_language_is_the_one_whose_stop_words_cover_most(
    text: str, language: str | None
) -> None:
    assert detect_language(text.split()) == language


def test_english_prose_never_reaches_the_language_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its share of English stop words says enough: its terms are what they always were.
    from broadsheet.stories import text

    def refuse(tokens: list[str]) -> frozenset[str]:
        raise AssertionError("an English article was sent to the language check")

    monkeypatch.setattr(text, "foreign_stop_keys", refuse)
    for article in make_events(4, 3, ["a"]):
        counts, names, _ = term_counts(
            article.title, article.text, TermNormaliser(), title_weight=2.0, lead_chars=1800
        )
        assert "the" not in counts and names
    with pytest.raises(AssertionError, match="language check"):
        term_counts(FRENCH[0][1], FRENCH[0][2], TermNormaliser(), title_weight=2.0,
                    lead_chars=1800)
