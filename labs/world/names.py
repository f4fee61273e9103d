"""Fictitious people and companies for KYC records and briefs (no real person's name is meant)."""
from __future__ import annotations

import random

#: ISO country codes of the region the seed documents describe, and the names used there.
COUNTRIES = {
    "AL": ("Albania", ["Arben", "Elira", "Besnik", "Dritan", "Jonida", "Klodian", "Mirela", "Ardit"],
           ["Hoxha", "Shehu", "Krasniqi", "Dervishi", "Basha", "Leka", "Gashi", "Prifti"]),
    "RS": ("Serbia", ["Marko", "Jelena", "Nikola", "Milica", "Stefan", "Ana", "Luka", "Ivana"],
           ["Petrović", "Jovanović", "Nikolić", "Marković", "Đorđević", "Stojanović", "Ilić", "Pavlović"]),
    "XK": ("Kosovo", ["Arianit", "Blerta", "Valon", "Drita", "Fatos", "Lirie", "Agon", "Vjosa"],
           ["Berisha", "Morina", "Kelmendi", "Hasani", "Rexhepi", "Bytyqi", "Zeqiri", "Ahmeti"]),
    "MK": ("North Macedonia", ["Aleksandar", "Elena", "Goran", "Marija", "Dimitar", "Sanja", "Igor", "Biljana"],
           ["Stojanovski", "Trajkovski", "Nikolovski", "Petrovska", "Ristovski", "Georgievski", "Dimitrova",
            "Kostovski"]),
    "ME": ("Montenegro", ["Miloš", "Jovana", "Nemanja", "Tamara", "Vuk", "Sara", "Filip", "Maja"],
           ["Vujović", "Radović", "Popović", "Bulatović", "Šćekić", "Knežević", "Đukanović", "Lekić"]),
    "BA": ("Bosnia and Herzegovina", ["Amir", "Lejla", "Emir", "Amra", "Haris", "Selma", "Adnan", "Ajla"],
           ["Hodžić", "Begić", "Delić", "Kovačević", "Hadžić", "Mehmedović", "Alić", "Omerović"]),
    "HR": ("Croatia", ["Ivan", "Petra", "Josip", "Marina", "Tomislav", "Lucija", "Ante", "Katarina"],
           ["Horvat", "Kovačić", "Babić", "Marić", "Jurić", "Novak", "Knežević", "Vuković"]),
    "MT": ("Malta", ["Joseph", "Maria", "Luke", "Rebecca", "Matthew", "Elena", "Karl", "Nicole"],
           ["Borg", "Camilleri", "Vella", "Farrugia", "Zammit", "Galea", "Micallef", "Grech"]),
    "CY": ("Cyprus", ["Andreas", "Eleni", "Christos", "Maria", "Giorgos", "Sofia", "Nikos", "Anna"],
           ["Georgiou", "Christodoulou", "Ioannou", "Constantinou", "Charalambous", "Nicolaou", "Pavlou",
            "Savva"]),
    "AE": ("United Arab Emirates", ["Omar", "Fatima", "Khalid", "Aisha", "Yousef", "Mariam", "Saeed", "Noor"],
           ["Al Mansoori", "Al Hashimi", "Al Marzouqi", "Al Suwaidi", "Al Ketbi", "Al Nuaimi", "Al Shamsi",
            "Al Zaabi"]),
}

_PLATFORM_WORDS = (["Quantum", "Aurora", "Nova", "Apex", "Zenith", "Vertex", "Stellar", "Prime", "Atlas", "Orion"],
                   ["Capital", "Trade", "Invest", "Markets", "AI Trading", "Wealth", "FX", "Crypto Fund"])
_COMPANY_WORDS = (["Adriatic", "Balkan", "Danube", "Ionian", "Illyria", "Drina", "Vardar", "Sava", "Ohrid", "Neretva"],
                  ["Holdings", "Consulting", "Trading", "Logistics", "Ventures", "Services", "Imports", "Solutions"])


def person(rng: random.Random, country: str) -> str:
    _, first, last = COUNTRIES[country]
    return f"{rng.choice(first)} {rng.choice(last)}"


def country_name(code: str) -> str:
    return COUNTRIES[code][0] if code in COUNTRIES else code


def platform(rng: random.Random) -> str:
    return f"{rng.choice(_PLATFORM_WORDS[0])} {rng.choice(_PLATFORM_WORDS[1])}"


def company(rng: random.Random) -> str:
    return f"{rng.choice(_COMPANY_WORDS[0])} {rng.choice(_COMPANY_WORDS[1])} Ltd"


def account_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-{rng.randrange(10**7, 10**8)}"


def case_reference(rng: random.Random, year: int) -> str:
    """A police case number, e.g. ``FCU-2026-048213``: names the case without saying what it is."""
    return f"FCU-{year}-{rng.randrange(10**5, 10**6):06d}"


def distinct(name: str, rng: random.Random, taken: set[str]) -> str:
    """``name``, or a variant of it nobody in ``taken`` has (a middle name; for a company, a number):
    two people of one case never share a name, so a KYC record names one of them only."""
    if name not in taken:
        return name
    first = sorted({f for _, firsts, _ in COUNTRIES.values() for f in firsts})
    words = name.split()
    for _ in range(100):
        if words[-1] in ("Ltd", "OTC", "Casino") or len(words) < 2:
            candidate = f"{name} {rng.randrange(2, 100)}"
        else:
            candidate = " ".join([words[0], rng.choice(first), *words[1:]])
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free variant of the name {name!r}")
