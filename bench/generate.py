"""Generate a benchmark corpus: N editions as a cmrsite project and as an equivalent Hugo site.

Deterministic (seeded): the same N gives the same files. Records carry real-looking Unicode
city names; each summary is about 500 words of Markdown with headings, a list, a quote and
links (external, and internal to another edition). Run: `python bench/generate.py 1000 DEST`.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TODAY = "2025-06-01"
"""The fixed `--today` of every benchmark build: some editions upcoming, most past."""

# (city, region, country, ISO code): diacritics on purpose; slugs stay unique once in ASCII.
CITIES = [
    ("Iași", "North-East Region", "Romania", "RO"),
    ("Kittilä", "Lapland", "Finland", "FI"),
    ("Chișinău", "Chișinău Municipality", "Moldova", "MD"),
    ("Málaga", "Andalusia", "Spain", "ES"),
    ("Kraków", "Lesser Poland", "Poland", "PL"),
    ("Łódź", "Łódź Voivodeship", "Poland", "PL"),
    ("Gdańsk", "Pomerania", "Poland", "PL"),
    ("Wrocław", "Lower Silesia", "Poland", "PL"),
    ("Poznań", "Greater Poland", "Poland", "PL"),
    ("Brașov", "Centre Region", "Romania", "RO"),
    ("Timișoara", "West Region", "Romania", "RO"),
    ("Constanța", "South-East Region", "Romania", "RO"),
    ("Plovdiv", "South Central", "Bulgaria", "BG"),
    ("Košice", "Eastern Slovakia", "Slovakia", "SK"),
    ("Žilina", "Žilina Region", "Slovakia", "SK"),
    ("Brno", "South Moravia", "Czechia", "CZ"),
    ("Ostrava", "Moravia-Silesia", "Czechia", "CZ"),
    ("České Budějovice", "South Bohemia", "Czechia", "CZ"),
    ("Plzeň", "Plzeň Region", "Czechia", "CZ"),
    ("Győr", "Western Transdanubia", "Hungary", "HU"),
    ("Pécs", "Southern Transdanubia", "Hungary", "HU"),
    ("Debrecen", "Northern Great Plain", "Hungary", "HU"),
    ("Szeged", "Southern Great Plain", "Hungary", "HU"),
    ("Ljubljana", "Central Slovenia", "Slovenia", "SI"),
    ("Maribor", "Drava", "Slovenia", "SI"),
    ("Split", "Split-Dalmatia", "Croatia", "HR"),
    ("Rijeka", "Primorje-Gorski Kotar", "Croatia", "HR"),
    ("Osijek", "Osijek-Baranja", "Croatia", "HR"),
    ("Niš", "Nišava", "Serbia", "RS"),
    ("Thessaloníki", "Central Macedonia", "Greece", "GR"),
    ("Pátra", "Western Greece", "Greece", "GR"),
    ("İzmir", "Aegean Region", "Türkiye", "TR"),
    ("Tartu", "Tartu County", "Estonia", "EE"),
    ("Pärnu", "Pärnu County", "Estonia", "EE"),
    ("Kaunas", "Kaunas County", "Lithuania", "LT"),
    ("Šiauliai", "Šiauliai County", "Lithuania", "LT"),
    ("Klaipėda", "Klaipėda County", "Lithuania", "LT"),
    ("Liepāja", "Kurzeme", "Latvia", "LV"),
    ("Daugavpils", "Latgale", "Latvia", "LV"),
    ("Tampere", "Pirkanmaa", "Finland", "FI"),
    ("Jyväskylä", "Central Finland", "Finland", "FI"),
    ("Oulu", "North Ostrobothnia", "Finland", "FI"),
    ("Umeå", "Västerbotten", "Sweden", "SE"),
    ("Malmö", "Skåne", "Sweden", "SE"),
    ("Göteborg", "Västra Götaland", "Sweden", "SE"),
    ("Linköping", "Östergötland", "Sweden", "SE"),
    ("Tromsø", "Troms", "Norway", "NO"),
    ("Ålesund", "Møre og Romsdal", "Norway", "NO"),
    ("Aarhus", "Central Denmark", "Denmark", "DK"),
    ("Odense", "Southern Denmark", "Denmark", "DK"),
    ("Akureyri", "Northeastern Region", "Iceland", "IS"),
    ("Heilbronn", "Baden-Württemberg", "Germany", "DE"),
    ("Münster", "North Rhine-Westphalia", "Germany", "DE"),
    ("Würzburg", "Bavaria", "Germany", "DE"),
    ("Lübeck", "Schleswig-Holstein", "Germany", "DE"),
    ("Göttingen", "Lower Saxony", "Germany", "DE"),
    ("Düsseldorf", "North Rhine-Westphalia", "Germany", "DE"),
    ("Saarbrücken", "Saarland", "Germany", "DE"),
    ("Linz", "Upper Austria", "Austria", "AT"),
    ("Innsbruck", "Tyrol", "Austria", "AT"),
    ("Graz", "Styria", "Austria", "AT"),
    ("Zürich", "Canton of Zürich", "Switzerland", "CH"),
    ("Neuchâtel", "Canton of Neuchâtel", "Switzerland", "CH"),
    ("Genève", "Canton of Geneva", "Switzerland", "CH"),
    ("Liège", "Wallonia", "Belgium", "BE"),
    ("Charleroi", "Wallonia", "Belgium", "BE"),
    ("Leuven", "Flanders", "Belgium", "BE"),
    ("Eindhoven", "North Brabant", "Netherlands", "NL"),
    ("Groningen", "Groningen", "Netherlands", "NL"),
    ("Esch-sur-Alzette", "Canton of Esch", "Luxembourg", "LU"),
    ("Besançon", "Bourgogne-Franche-Comté", "France", "FR"),
    ("Orléans", "Centre-Val de Loire", "France", "FR"),
    ("Nîmes", "Occitanie", "France", "FR"),
    ("Saint-Étienne", "Auvergne-Rhône-Alpes", "France", "FR"),
    ("Sète", "Occitanie", "France", "FR"),
    ("Angoulême", "Nouvelle-Aquitaine", "France", "FR"),
    ("Córdoba", "Andalusia", "Spain", "ES"),
    ("León", "Castile and León", "Spain", "ES"),
    ("Cádiz", "Andalusia", "Spain", "ES"),
    ("A Coruña", "Galicia", "Spain", "ES"),
    ("Donostia", "Basque Country", "Spain", "ES"),
    ("Palma", "Balearic Islands", "Spain", "ES"),
    ("València", "Valencian Community", "Spain", "ES"),
    ("Logroño", "La Rioja", "Spain", "ES"),
    ("Évora", "Alentejo", "Portugal", "PT"),
    ("Braga", "Norte", "Portugal", "PT"),
    ("Setúbal", "Lisbon Region", "Portugal", "PT"),
    ("Torino", "Piedmont", "Italy", "IT"),
    ("Forlì", "Emilia-Romagna", "Italy", "IT"),
    ("Cantù", "Lombardy", "Italy", "IT"),
    ("Bolzano", "South Tyrol", "Italy", "IT"),
    ("Catania", "Sicily", "Italy", "IT"),
    ("Bari", "Apulia", "Italy", "IT"),
    ("Valletta", "Malta", "Malta", "MT"),
    ("Lefkoșa", "Nicosia District", "Cyprus", "CY"),
    ("Cork", "Southern Region", "Ireland", "IE"),
    ("Galway", "Western Region", "Ireland", "IE"),
    ("Skopje", "Skopje Region", "North Macedonia", "MK"),
    ("Tiranë", "Tirana County", "Albania", "AL"),
    ("Podgorica", "Podgorica", "Montenegro", "ME"),
    ("Lviv", "Lviv Oblast", "Ukraine", "UA"),
]

WORDS = tuple(
    " ".join(
        [
            "cluster region policy innovation partnership ecosystem industry transition digital",
            "green skills value chain cooperation investment research university enterprise",
            "programme network strategy specialisation manufacturing resilience supplier market",
            "export funding workshop panel session matchmaking agency authority member company",
            "sector energy mobility health agrifood textile tourism bioeconomy circular data",
            "platform pilot roadmap challenge opportunity stakeholder partner visit exchange",
            "learning capacity growth competitiveness the a of and to in for with on across",
            "between their its that which by from as",
        ]
    ).split()
)

PARTNERS = [
    "Regional Development Agency",
    "Chamber of Commerce and Industry",
    "Enterprise Europe Network",
    "National Cluster Association",
    "Innovation Foundation",
    "Technical University",
]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, words: int) -> str:
    parts: list[str] = []
    while words > 0:
        count = min(words, rng.randint(9, 18))
        parts.append(sentence(rng, count))
        words -= count
    return " ".join(parts)


def summary_body(rng: random.Random, city: str, other_slug: str) -> str:
    """About 500 words: paragraphs, two headings, a list, a quote, external and internal links."""
    return "\n\n".join(
        [
            f"{city} hosted this edition. " + paragraph(rng, 90),
            "## Main messages",
            paragraph(rng, 80)
            + " The [organisers' report](https://www.clustercollaboration.eu/news/report) "
            "has the details.",
            "\n".join(f"- {paragraph(rng, 8)}" for _ in range(6)),
            "> " + paragraph(rng, 35),
            "## Next steps",
            paragraph(rng, 90)
            + f" See also the [previous edition](/editions/{other_slug}/) and the "
            "[*European Cluster Collaboration Platform*](https://www.clustercollaboration.eu/).",
            paragraph(rng, 90),
        ]
    )


def slug_of(city: str, year: int) -> str:
    from anyascii import anyascii  # the generator's own slug rule, the same as cmrsite's

    words = "".join(c if c.isalnum() else " " for c in anyascii(city).lower()).split()
    return "-".join([*words, str(year)])


def editions(count: int) -> list[dict[str, object]]:
    """`count` records, oldest first, each city at most once a year; the last few upcoming."""
    rng = random.Random(count)
    records: list[dict[str, object]] = []
    first_year = 2025 - (count - 1) // len(CITIES)
    for index in range(count):
        city, region, country, code = CITIES[index % len(CITIES)]
        year = first_year + index // len(CITIES)
        start = date(year, 1, 1) + timedelta(days=(index % len(CITIES)) * 3 + rng.randint(0, 2))
        records.append(
            {
                "city": city,
                "region": region,
                "country": country,
                "country_code": code,
                "start": start,
                "end": start + timedelta(days=1),
                "title": sentence(rng, 6)[:-1],
                "participants": rng.randint(40, 400),
                "partner": rng.choice(PARTNERS),
                "slug": slug_of(city, year),
                "lat": round(rng.uniform(35, 70), 4),
                "lon": round(rng.uniform(-9, 30), 4),
            }
        )
    return records


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_cmrsite(records: list[dict[str, object]], bodies: list[str], dest: Path) -> None:
    """A cmrsite project: data/, content/, and the repository's templates (copied)."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "data").mkdir(parents=True)
    (dest / "content" / "editions").mkdir(parents=True)
    shutil.copytree(REPO / "templates", dest / "templates")
    shutil.copy(REPO / "data" / "site.yaml", dest / "data" / "site.yaml")
    shutil.copy(REPO / "content" / "index.md", dest / "content" / "index.md")
    lines = ["# Generated by bench/generate.py"]
    for record, body in zip(records, bodies, strict=True):
        slug = record["slug"]
        lines += [
            f"- city: {record['city']}",
            f"  region: {_yaml_text(str(record['region']))}",
            f"  country: {record['country']}",
            f'  country_code: "{record["country_code"]}"',
            f"  start: {record['start']}",
            f"  end: {record['end']}",
            f"  title: {_yaml_text(str(record['title']))}",
            f"  participants: {record['participants']}",
            f"  partners: [{_yaml_text(str(record['partner']))}]",
            f"  location: {{lat: {record['lat']}, lon: {record['lon']}}}",
            f"  summary: editions/{slug}.md",
        ]
        front = f"---\ntitle: {_yaml_text(str(record['title']))}\n---\n"
        (dest / "content" / "editions" / f"{slug}.md").write_text(front + body + "\n", "utf-8")
    (dest / "data" / "editions.yaml").write_text("\n".join(lines) + "\n", "utf-8")


HUGO_CONFIG = """\
baseURL = "/"
title = "Clusters meet Regions"
languageCode = "en-GB"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[markup.goldmark.renderer]
unsafe = false
"""

HUGO_BASEOF = """\
<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title>
<link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav><a href="{{ "/editions/" | relURL }}">Editions</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><p>{{ site.Title }}</p></footer></body></html>
"""

HUGO_SINGLE = """\
{{ define "main" }}<article><h1>{{ .Params.city }} {{ (time .Params.start).Year }}</h1>
<p>{{ .Title }}</p>
<dl><dt>When</dt><dd><time datetime="{{ .Params.start }}">{{ (time .Params.start).Format "2 January 2006" }}</time>–<time datetime="{{ .Params.end }}">{{ (time .Params.end).Format "2 January 2006" }}</time></dd>
<dt>Where</dt><dd>{{ .Params.city }}, {{ .Params.region }}, {{ .Params.country }}</dd>
<dt>Participants</dt><dd>{{ .Params.participants }}</dd></dl>
<section><h2>Summary</h2>{{ .Content }}</section>
<p><a href="{{ "/editions/" | relURL }}">All editions</a></p></article>{{ end }}
"""

HUGO_LIST = """\
{{ define "main" }}<h1>All editions</h1>
{{ range (.Pages.GroupByDate "2006").Reverse }}<section><h2>{{ .Key }}</h2><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Params.city }}</a>, {{ .Params.country }} {{ (time .Params.start).Format "2 January 2006" }}</li>
{{ end }}</ul></section>{{ end }}{{ end }}
"""

HUGO_HOME = """\
{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul>{{ range first 3 (where site.RegularPages "Section" "editions").ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Params.city }}</a></li>{{ end }}</ul>{{ end }}
"""


def write_hugo(records: list[dict[str, object]], bodies: list[str], dest: Path) -> None:
    """The same corpus as a Hugo site: one page per edition and an index grouped by year."""
    if dest.exists():
        shutil.rmtree(dest)
    layouts = dest / "layouts"
    (layouts / "_default").mkdir(parents=True)
    (dest / "content" / "editions").mkdir(parents=True)
    (dest / "static").mkdir()
    (dest / "hugo.toml").write_text(HUGO_CONFIG, "utf-8")
    (layouts / "_default" / "baseof.html").write_text(HUGO_BASEOF, "utf-8")
    (layouts / "_default" / "single.html").write_text(HUGO_SINGLE, "utf-8")
    (layouts / "_default" / "list.html").write_text(HUGO_LIST, "utf-8")
    (layouts / "index.html").write_text(HUGO_HOME, "utf-8")
    shutil.copy(REPO / "templates" / "static" / "style.css", dest / "static" / "style.css")
    (dest / "content" / "editions" / "_index.md").write_text("---\ntitle: All editions\n---\n")
    for record, body in zip(records, bodies, strict=True):
        front = "\n".join(
            [
                "---",
                f"title: {_yaml_text(str(record['title']))}",
                f"date: {record['start']}",
                f"city: {_yaml_text(str(record['city']))}",
                f"region: {_yaml_text(str(record['region']))}",
                f"country: {_yaml_text(str(record['country']))}",
                f"start: {record['start']}",
                f"end: {record['end']}",
                f"participants: {record['participants']}",
                "---",
            ]
        )
        (dest / "content" / "editions" / f"{record['slug']}.md").write_text(
            front + "\n" + body + "\n", "utf-8"
        )


def generate(count: int, dest: Path) -> tuple[Path, Path]:
    """Write `dest/cmrsite` and `dest/hugo`; return both."""
    records = editions(count)
    rng = random.Random(count * 7919)
    bodies = [
        summary_body(rng, str(r["city"]), str(records[i - 1]["slug"]))
        for i, r in enumerate(records)
    ]
    ours, hugo = dest / "cmrsite", dest / "hugo"
    write_cmrsite(records, bodies, ours)
    write_hugo(records, bodies, hugo)
    return ours, hugo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int, help="number of editions")
    parser.add_argument("dest", type=Path, help="folder to create (replaced if it exists)")
    args = parser.parse_args()
    ours, hugo = generate(args.count, args.dest)
    print(f"wrote {ours} and {hugo}")


if __name__ == "__main__":
    main()
