"""Generated news-like articles for the scale benches: real sentences recombined, never random words.

A fixed pool of sentences is written from templates about twenty beats (energy, trade, health, …)
with people, places, organisations and figures filled in, plus the real sentences of the seed
articles. An article takes one beat and draws 4-8 paragraphs of 1-4 sentences from that beat's part
of the pool (a few from other beats), so its chunks cluster by subject as real news does, and every
sentence recurs across articles: `CachingEmbedder` then embeds the pool once with the real model and
reuses those vectors, which lets a bench build 100,000 articles in minutes instead of hours.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np


def _words(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


FIRST = _words(
    "Askar Aida Roman Nikol Olzhas Dana Arman Ion Marat Gulnara Timur Elena Sergei Aliya Bakhyt Irina "
    "Daniyar Zhanna Viktor Saule Ruslan Madina Pavel Asel Kairat Natalia Yerlan Olga Nurlan Ainur "
    "Dmitry Laura Azamat Svetlana Bolat Kamila Igor Dinara Murat Yulia"
)
LAST = _words(
    "Mamin Mishustin Golovchenko Balayeva Pashinyan Bektenov Seitkali Sadykov Boronov Chicu Nurlanov "
    "Akhmetov Petrova Ivanov Zhaksybekov Omarova Tokayev Kuznetsov Abenov Smailova Karimov Sokolova "
    "Beisenov Orlova Suleimenov Volkova Dzhaksybekov Alieva Yessimov Morozova Ibraimov Lebedeva "
    "Mukhametov Novikova Tulegenov Fedorova Ospanov Makarova Zhumabayev Pavlova Kenzhebekov Titova "
    "Utemisov Gromova Baimukhanov Belova Shaikenov Kozlova Rakhimov Yakovleva"
)
ROLES = _words(
    (
        "the minister of energy|the deputy prime minister|the head of the central bank|the mayor|"
        "the minister of health|the minister of trade and integration|the governor of the region|"
        "the chairman of the board|the minister of agriculture|the head of the statistics bureau|"
        "the minister of digital development|the ambassador|the chief executive|the finance minister"
    ),
    "|",
)
PLACES = _words(
    "Astana Almaty Shymkent Karaganda Aktobe Atyrau Pavlodar Kostanay Taraz Semey Aktau Turkistan "
    "Minsk Kazan Bishkek Tashkent Moscow Yerevan Baku Tbilisi Dushanbe Ashgabat Samarkand Novosibirsk "
    "Omsk Osh Brest Gomel Ufa Yekaterinburg Urumqi Istanbul Ankara Berlin Vienna Seoul Tokyo Beijing "
    "Dubai Riyadh Geneva Brussels Warsaw Budapest Helsinki Oslo Madrid Rome Paris London"
)
COUNTRIES = _words(
    (
        "Kazakhstan|Russia|Belarus|Kyrgyzstan|Armenia|Uzbekistan|Tajikistan|Azerbaijan|Georgia|China|"
        "Turkey|Germany|South Korea|Japan|the United Arab Emirates|Saudi Arabia|Poland|Hungary|Finland|"
        "Norway|Spain|Italy|France|the United Kingdom|Austria|Switzerland"
    ),
    "|",
)
MONTHS = _words("January February March April May June July August September October November December")
PREFIX = _words(
    "Kaz Ros Bel Uz Trans Agro Neft Energo Temir Samruk Astana Altyn Dala Sary Kok Tau Zhel Nur Aral Ertis"
)
ROOT = _words(
    "geo gas tel stroy invest mash zoloto chem log port rail med soft fin agro sun wind water steel"
)
SUFFIX = ["", "logy", "prom", "holding", "service", "trans", "group", "export", "lab", "tech"]

BEATS: dict[str, tuple[str, ...]] = {
    "energy": ("power plant", "oil refinery", "gas pipeline", "wind farm", "solar park", "coal mine"),
    "trade": ("export contract", "customs union", "trade mission", "free trade zone", "tariff quota"),
    "health": ("new hospital", "vaccination campaign", "medical centre", "drug factory", "clinic network"),
    "transport": ("rail link", "highway", "airport terminal", "logistics hub", "container port"),
    "agriculture": ("grain harvest", "irrigation canal", "livestock farm", "fertiliser plant", "orchard"),
    "digital": ("data centre", "e-government portal", "broadband network", "payment system", "tech park"),
    "finance": ("bond issue", "bank merger", "investment fund", "budget plan", "tax reform"),
    "education": ("new university", "school programme", "teacher training", "research grant", "campus"),
    "mining": ("copper mine", "uranium deposit", "gold field", "processing plant", "exploration licence"),
    "environment": ("water treatment plant", "reforestation plan", "air quality monitor", "nature reserve"),
    "construction": ("housing estate", "bridge", "stadium", "business centre", "social housing scheme"),
    "space": ("satellite launch", "space imagery bank", "ground station", "launch pad", "space agency"),
    "tourism": ("ski resort", "tourist route", "hotel complex", "visa-free regime", "museum"),
    "industry": ("steel mill", "car assembly line", "chemical plant", "machine works", "textile factory"),
    "water": ("reservoir", "transboundary river accord", "pumping station", "water pipeline", "dam"),
    "defence": ("border post", "joint exercise", "security treaty", "training centre", "patrol service"),
    "culture": ("film festival", "theatre season", "national library", "music competition", "exhibition"),
    "sport": ("football league", "Olympic team", "sports academy", "marathon", "ice arena"),
    "labour": ("employment programme", "minimum wage", "pension reform", "job fair", "labour code"),
    "science": (
        "research institute",
        "genome project",
        "laboratory network",
        "patent office",
        "science park",
    ),
}

TEMPLATES = (
    "{person}, {role}, said that {org} would invest {money} in the {thing} in {place} by {year}.",
    "{person} met {person2} in {place} to discuss the {thing} and the {thing2}.",
    "According to {org}, {number} {unit} were recorded in {place} in {month} {year}.",
    "The agreement between {org} and {org2} covers the {thing} and the {thing2}.",
    "Officials in {place} expect the {thing} to grow by {percent} percent next year.",
    "The ministry reported that {number} {unit} had been handled by the {thing} since {month}.",
    "{org} plans to open the {thing} in {place} in {month} {year}, creating {jobs} jobs.",
    "{country} and {country2} signed a memorandum on the {thing} on {day} {month}.",
    "Work on the {thing} near {place} is {percent} percent complete, {person} told reporters.",
    "The {thing} will cost {money} and is due to be finished in {year}.",
    "{person} criticised delays in the {thing} and asked {org} for a report within {days} days.",
    "A delegation from {country} visited the {thing} in {place} on {day} {month}.",
    "The government approved a roadmap for the {thing} worth {money} until {year}.",
    "Since {year}, the {thing} in {place} has served more than {number} people.",
    "{org} and {org2} agreed to set up a joint venture for the {thing} in {country}.",
    "The second phase of the {thing} was launched in {place} with {person} attending.",
    "Exports related to the {thing} reached {money} in the first half of {year}.",
    "Residents of {place} complained that the {thing} had been closed for {days} days.",
    "{person} said the {thing} in {place} would be financed by {org} and {org2}.",
    "The {thing} in {place} received {number} applications in {month}, {percent} percent more than a year earlier.",
    "Experts from {country} will audit the {thing} before the end of {year}.",
    "The council of {country} decided to extend the {thing} programme until {year}.",
    "In {month} {year}, {org} delivered {number} {unit} to {place}.",
    "{person}, {role}, opened the {thing} in {place} on {day} {month} {year}.",
)
QUESTIONS = (
    "How many jobs will the {thing} in {place} create?",
    "What did {person} say about the {thing}?",
    "When will the {thing} in {place} be finished?",
    "Who opened the {thing} in {place}?",
    "How much will the {thing} cost?",
    "Which companies agreed to set up a joint venture for the {thing}?",
    "What did {country} and {country2} sign?",
    "Where does {org} plan to open the {thing}?",
    "Why did residents of {place} complain about the {thing}?",
    "Who will audit the {thing}?",
)
UNITS = (
    "tonnes",
    "containers",
    "patients",
    "passengers",
    "applications",
    "megawatts",
    "hectares",
    "visitors",
)


def _names(rng: random.Random, count: int) -> list[str]:
    return sorted(
        {(rng.choice(PREFIX) + rng.choice(ROOT) + rng.choice(SUFFIX)).capitalize() for _ in range(count)}
    )


class Newsroom:
    """A fixed pool of sentences per beat, and articles drawn from it; same seed, same archive."""

    def __init__(self, pool_size: int = 60_000, seed: int = 7, seed_sentences: Sequence[str] = ()):
        rng = random.Random(seed)
        self.organisations = _names(rng, 3_000)
        people = [f"{f} {last}" for f in FIRST for last in LAST]
        self.pool: list[str] = []
        self.by_beat: dict[str, list[int]] = {beat: [] for beat in BEATS}
        seen: set[str] = set()
        beats = list(BEATS)
        while len(self.pool) < pool_size:
            beat = beats[len(self.pool) % len(beats)]
            text = self._sentence(rng, beat, people)
            if text in seen:
                continue
            seen.add(text)
            self.by_beat[beat].append(len(self.pool))
            self.pool.append(text)
        self.seed_sentences = [s for s in seed_sentences if s not in seen]
        self.pool += self.seed_sentences

    def _sentence(self, rng: random.Random, beat: str, people: list[str]) -> str:
        things = BEATS[beat]
        return rng.choice(TEMPLATES).format(
            person=rng.choice(people),
            person2=rng.choice(people),
            role=rng.choice(ROLES),
            org=rng.choice(self.organisations),
            org2=rng.choice(self.organisations),
            place=rng.choice(PLACES),
            country=rng.choice(COUNTRIES),
            country2=rng.choice(COUNTRIES),
            thing=rng.choice(things),
            thing2=rng.choice(things),
            money=f"{rng.randint(2, 950)} {rng.choice(('million', 'billion'))} {rng.choice(('tenge', 'dollars', 'euros', 'roubles'))}",
            number=f"{rng.randint(2, 99_000):,}",
            unit=rng.choice(UNITS),
            percent=rng.randint(2, 95),
            jobs=rng.randint(20, 4_000),
            days=rng.randint(3, 90),
            day=rng.randint(1, 28),
            month=rng.choice(MONTHS),
            year=rng.randint(2015, 2030),
        )

    def article(self, number: int):  # type: ignore[no-untyped-def]
        """Article `number`: the same number always gives the same article."""
        from index.models import Article

        rng = random.Random(number * 7919 + 17)
        beat = rng.choice(list(BEATS))
        own = self.by_beat[beat]
        paragraphs = []
        for _ in range(rng.randint(4, 8)):
            picks = []
            for _ in range(rng.randint(1, 4)):
                if self.seed_sentences and rng.random() < 0.01:
                    picks.append(rng.choice(self.seed_sentences))
                else:
                    source = own if rng.random() < 0.9 else rng.choice(list(self.by_beat.values()))
                    picks.append(self.pool[rng.choice(source)])
            paragraphs.append(" ".join(picks))
        thing = rng.choice(BEATS[beat])
        title = f"{rng.choice(self.organisations)} {rng.choice(('reports on', 'expands', 'delays', 'opens'))} {thing} in {rng.choice(PLACES)} (no. {number})"
        published = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3_800))
        return Article(
            title=title,
            paragraphs=tuple(paragraphs),
            published=published,
            source=rng.choice(("The Astana Times", "Kazinform", "Gov.kz", "The Steppe Herald")),
            url=f"https://news.example/{beat}/{number}",
            origin=f"https://news.example/{beat}/{number}",
        )

    def questions(self, count: int, seed: int = 3) -> list[str]:
        """Questions about the beats, people and places of the pool, as readers would ask them."""
        rng = random.Random(seed)
        people = [f"{f} {last}" for f in FIRST for last in LAST]
        asked = []
        for _ in range(count):
            beat = rng.choice(list(BEATS))
            asked.append(
                rng.choice(QUESTIONS).format(
                    thing=rng.choice(BEATS[beat]),
                    place=rng.choice(PLACES),
                    person=rng.choice(people),
                    country=rng.choice(COUNTRIES),
                    country2=rng.choice(COUNTRIES),
                    org=rng.choice(self.organisations),
                )
            )
        return asked

    def articles(self, start: int, stop: int) -> Iterator[tuple[str, object]]:
        for number in range(start, stop):
            yield f"gen-{number}", self.article(number)

    def write(self, number: int, folder: Path) -> Path:
        """Article `number` as a plain-text file with its metadata, as `dossier index add` reads it."""
        import json

        article = self.article(number)
        path = folder / f"article-{number}.txt"
        path.write_text(article.title + "\n\n" + article.text + "\n")
        meta = {"published": article.published.isoformat(), "source": article.source, "url": article.url}
        path.with_suffix(".meta.json").write_text(json.dumps(meta))
        return path


class CachingEmbedder:
    """The real model's vectors of the pool's sentences, looked up; anything else goes to the model.

    Token counts are cached too. `misses` counts the texts the model had to embed.
    """

    def __init__(self, model, pool: Sequence[str], vectors: np.ndarray):  # type: ignore[no-untyped-def]
        self.name, self.dimension, self.max_tokens = model.name, model.dimension, model.max_tokens
        self._model = model
        self._rows = {text: row for row, text in enumerate(pool)}
        self._vectors = vectors
        self._tokens: dict[str, int] = {}
        self.misses = 0

    def count_tokens(self, text: str) -> int:
        count = self._tokens.get(text)
        if count is None:
            count = self._tokens[text] = self._model.count_tokens(text)
        return count

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        rows = [self._rows.get(t, -1) for t in texts]
        result = self._vectors[np.maximum(rows, 0)].copy()
        missing = [i for i, row in enumerate(rows) if row < 0]
        if missing:
            self.misses += len(missing)
            result[missing] = self._model.embed_documents([texts[i] for i in missing])
        return result

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.embed_queries(texts)
