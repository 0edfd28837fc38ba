"""The sandbox's voice catalog: ``TimbreInfoDto`` records with realistic names, traits and counts.

The vendor reference names the fields but not the code tables, so the descriptions here are the
sandbox's choice, in English: gender 1 Male / 2 Female, age 1 Child .. 4 Senior, emotion 0 Neutral
.. 6 Gentle, one accent table shared by all languages, eight categories, type 1 system / 2 personal
clone / 3 business clone. The derived ``*Str`` fields always agree with the codes. IDs are int64
values above 2**53, so a float round-trip anywhere in the client is caught at once.

The client never imports this module: it is the service's data, reached over HTTP only.

>>> voices = build_catalog(lambda voice_id: f"http://127.0.0.1:8765/audition/{voice_id}.mp3")
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import ValidationError

SERVICE_TZ = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FIRST_ID = 7_300_000_000_000_000_001
ID_STEP = 7919

LANGUAGES = {
    "zh": "Chinese", "en": "English", "ja": "Japanese", "ko": "Korean", "es": "Spanish",
    "fr": "French", "de": "German", "pt": "Portuguese", "ru": "Russian", "ar": "Arabic",
    "it": "Italian", "hi": "Hindi",
}
GENDERS = {1: "Male", 2: "Female"}
AGE_RANGES = {1: "Child", 2: "Young", 3: "Middle-aged", 4: "Senior"}
EMOTIONS = {0: "Neutral", 1: "Calm", 2: "Happy", 3: "Sad", 4: "Angry", 5: "Excited", 6: "Gentle"}
ACCENTS = {
    0: "Standard", 1: "American", 2: "British", 3: "Australian", 4: "Indian", 5: "Cantonese",
    6: "Taiwanese", 7: "Latin American", 8: "Castilian", 9: "Canadian", 10: "Brazilian",
    11: "European", 12: "Egyptian", 13: "Gulf",
}
CATEGORIES = {
    1: "News", 2: "Audiobook", 3: "Advertising", 4: "Education", 5: "Gaming",
    6: "Customer service", 7: "Documentary", 8: "Social media",
}
SOURCES = {0: "other", 1: "tk"}
TYPES = {1: "System", 2: "Personal clone", 3: "Business clone"}
STATUSES = {0: "Enabled", 1: "Disabled"}
# Codes as the sandbox's synthesizer understands them (see voice_traits).
GENDER_TRAITS: dict[Any, str] = {1: "male", 2: "female"}
AGE_TRAITS: dict[Any, str] = {1: "child", 2: "young", 3: "middle", 4: "senior"}

# The accents each language's voices are recorded in, the most common first.
LANGUAGE_ACCENTS: dict[str, tuple[int, ...]] = {
    "zh": (0, 5, 6), "en": (1, 2, 3, 4, 9), "es": (8, 7), "fr": (0, 9), "pt": (10, 11),
    "ar": (0, 12, 13),
}

M, F = 1, 2
CHILD, YOUNG, MIDDLE, SENIOR = 1, 2, 3, 4
NEUTRAL, CALM, HAPPY, SAD, ANGRY, EXCITED, GENTLE = range(7)

# (name, gender, age range, emotion) per language; the catalog interleaves the languages.
VOICES: dict[str, tuple[tuple[str, int, int, int], ...]] = {
    "en": (("Emma", F, YOUNG, CALM), ("James", M, MIDDLE, NEUTRAL),
           ("Olivia", F, MIDDLE, CALM), ("Liam", M, YOUNG, EXCITED),
           ("Charlotte", F, YOUNG, CALM), ("Noah", M, YOUNG, CALM),
           ("Ava", F, YOUNG, HAPPY), ("William", M, SENIOR, CALM),
           ("Sophia", F, MIDDLE, GENTLE), ("Oliver", M, YOUNG, HAPPY),
           ("Grace", F, SENIOR, CALM), ("Henry", M, MIDDLE, ANGRY),
           ("Lily", F, CHILD, EXCITED), ("Jack", M, CHILD, HAPPY),
           ("Amelia", F, YOUNG, NEUTRAL), ("Ethan", M, YOUNG, SAD)),
    "zh": (("婉清", F, YOUNG, GENTLE), ("浩然", M, MIDDLE, NEUTRAL),
           ("思雨", F, YOUNG, CALM), ("子轩", M, YOUNG, EXCITED),
           ("欣怡", F, YOUNG, HAPPY), ("明远", M, MIDDLE, CALM),
           ("雅琴", F, MIDDLE, NEUTRAL), ("建国", M, SENIOR, CALM),
           ("秀兰", F, SENIOR, GENTLE), ("俊杰", M, YOUNG, ANGRY),
           ("朵朵", F, CHILD, HAPPY), ("乐乐", M, CHILD, EXCITED)),
    "ja": (("陽菜", F, YOUNG, HAPPY), ("蓮", M, YOUNG, CALM), ("美咲", F, MIDDLE, GENTLE),
           ("健一", M, MIDDLE, NEUTRAL), ("さくら", F, CHILD, EXCITED), ("誠", M, SENIOR, CALM)),
    "ko": (("지우", F, YOUNG, HAPPY), ("민준", M, YOUNG, NEUTRAL), ("서연", F, MIDDLE, CALM),
           ("도현", M, MIDDLE, CALM), ("민서", F, CHILD, EXCITED), ("영수", M, SENIOR, SAD)),
    "es": (("Lucía", F, YOUNG, HAPPY), ("Mateo", M, YOUNG, NEUTRAL),
           ("Sofía", F, MIDDLE, CALM), ("Javier", M, MIDDLE, CALM),
           ("Carmen", F, SENIOR, GENTLE), ("Diego", M, YOUNG, ANGRY),
           ("Valentina", F, YOUNG, EXCITED), ("Alejandro", M, SENIOR, CALM)),
    "fr": (("Camille", F, YOUNG, GENTLE), ("Louis", M, MIDDLE, NEUTRAL),
           ("Léa", F, YOUNG, HAPPY), ("Hugo", M, YOUNG, EXCITED),
           ("Juliette", F, MIDDLE, CALM), ("Antoine", M, SENIOR, CALM)),
    "de": (("Anna", F, YOUNG, NEUTRAL), ("Lukas", M, YOUNG, EXCITED),
           ("Lena", F, YOUNG, HAPPY), ("Maximilian", M, MIDDLE, NEUTRAL),
           ("Katharina", F, MIDDLE, CALM), ("Klaus", M, SENIOR, SAD)),
    "pt": (("Ana", F, YOUNG, HAPPY), ("João", M, MIDDLE, NEUTRAL),
           ("Beatriz", F, MIDDLE, GENTLE), ("Pedro", M, YOUNG, EXCITED),
           ("Mariana", F, YOUNG, CALM), ("Rafael", M, YOUNG, CALM)),
    "ru": (("Анна", F, YOUNG, CALM), ("Дмитрий", M, MIDDLE, NEUTRAL),
           ("Мария", F, MIDDLE, GENTLE), ("Иван", M, YOUNG, ANGRY)),
    "ar": (("ليلى", F, YOUNG, GENTLE), ("عمر", M, MIDDLE, NEUTRAL),
           ("فاطمة", F, MIDDLE, CALM), ("يوسف", M, YOUNG, EXCITED)),
    "it": (("Giulia", F, YOUNG, HAPPY), ("Marco", M, MIDDLE, NEUTRAL),
           ("Francesca", F, MIDDLE, CALM), ("Luca", M, YOUNG, EXCITED)),
    "hi": (("प्रिया", F, YOUNG, GENTLE), ("आरव", M, YOUNG, NEUTRAL),
           ("अनन्या", F, YOUNG, HAPPY), ("राहुल", M, MIDDLE, CALM)),
}

# The categories a voice of each emotion is typically sold for.
EMOTION_CATEGORIES = {
    NEUTRAL: (1, 4, 6, 7), CALM: (2, 7, 1, 4), HAPPY: (3, 8, 6, 4), SAD: (2, 7),
    ANGRY: (5, 3), EXCITED: (3, 5, 8), GENTLE: (2, 4, 6),
}
CATEGORY_WORDS = {
    1: "news", 2: "audiobooks", 3: "advertising", 4: "education", 5: "gaming",
    6: "customer service", 7: "documentaries", 8: "social media",
}
EMOTION_WORDS = {
    NEUTRAL: "neutral", CALM: "calm", HAPPY: "cheerful", SAD: "melancholic", ANGRY: "intense",
    EXCITED: "energetic", GENTLE: "gentle",
}
TIMBRE_WORDS = ("Warm", "Clear", "Bright", "Deep", "Soft", "Crisp", "Friendly", "Rich", "Smooth")

AUDITION_TEXTS = {
    "en": "Hello, I'm {name}. This is how I sound when I read your script.",
    "zh": "你好，我是{name}。这是我朗读你的文稿时的声音。",
    "ja": "こんにちは、{name}です。これが私の声です。",
    "ko": "안녕하세요, 저는 {name}입니다. 제 목소리는 이렇습니다.",
    "es": "Hola, soy {name}. Así sueno cuando leo tu guion.",
    "fr": "Bonjour, je suis {name}. Voici ma voix quand je lis votre texte.",
    "de": "Hallo, ich bin {name}. So klinge ich, wenn ich Ihr Skript lese.",
    "pt": "Olá, eu sou {name}. É assim que eu soo lendo o seu roteiro.",
    "ru": "Здравствуйте, я {name}. Так звучит мой голос.",
    "ar": "مرحبا، أنا {name}. هكذا يبدو صوتي.",
    "it": "Ciao, sono {name}. Ecco come suono quando leggo il tuo testo.",
    "hi": "नमस्ते, मैं {name} हूँ। मेरी आवाज़ ऐसी है।",
}

# The catalog's history: voices were added between these dates and updated until the last.
_FIRST_CREATED = datetime(2023, 3, 1, 9, 0, 0)
_CREATION_SPAN = timedelta(days=730)
_LAST_UPDATE = datetime(2025, 6, 30, 18, 0, 0)
_INT32_MAX = 2**31 - 1


def voice_record(
    voice_id: int,
    name: str,
    lang: str,
    *,
    gender: int | None,
    age_range: int | None,
    emotion: int | None,
    accent: int | None = 0,
    categories: Sequence[int] = (),
    remark: str | None = None,
    source: int = 0,
    type: int = 1,
    audition_url: str | None = None,
    status: int = 0,
    create_time: datetime,
    update_time: datetime,
    counts: tuple[int, int, int] = (0, 0, 0),
) -> dict[str, Any]:
    """One ``TimbreInfoDto`` with its ``*Str`` fields derived from the codes.

    ``counts`` is ``(hotCount, useCount, collectCount)``; times are the service's local time.
    """
    hot, use, collect = counts
    return {
        "id": voice_id, "name": name, "lang": lang, "langName": LANGUAGES.get(lang, lang),
        "gender": gender, "genderStr": GENDERS.get(gender) if gender is not None else None,
        "accent": accent, "accentStr": ACCENTS.get(accent) if accent is not None else None,
        "ageRange": age_range,
        "ageRangeStr": AGE_RANGES.get(age_range) if age_range is not None else None,
        "emotion": emotion, "emotionStr": EMOTIONS.get(emotion) if emotion is not None else None,
        "categoryList": list(categories),
        "categoryStrList": [CATEGORIES[c] for c in categories],
        "remark": remark, "source": source, "type": type, "auditionUrl": audition_url,
        "status": status,
        "updateTime": update_time.strftime(TIME_FORMAT),
        "createTime": create_time.strftime(TIME_FORMAT),
        "hotCount": hot, "useCount": use, "collectCount": collect,
    }


def _slots() -> Iterator[tuple[str, str, int, int, int]]:
    """(lang, name, gender, age, emotion) forever: languages interleaved, so any prefix of the
    catalog spans many languages; after the first round names repeat with a number."""
    longest = max(len(voices) for voices in VOICES.values())
    round_no = 1
    while True:
        for k in range(longest):
            for lang, voices in VOICES.items():
                if k < len(voices):
                    name, gender, age, emotion = voices[k]
                    numbered = name if round_no == 1 else f"{name} {round_no}"
                    yield lang, numbered, gender, age, emotion
        round_no += 1


def _remark(rng: random.Random, gender: int, age: int, emotion: int, accent: int,
            categories: Sequence[int]) -> str:
    article = "an" if ACCENTS[accent][0] in "AEIOU" else "a"
    accent_part = f" with {article} {ACCENTS[accent]} accent" if accent else ""
    uses = " and ".join(CATEGORY_WORDS[c] for c in categories) or "general narration"
    return (f"{rng.choice(TIMBRE_WORDS)}, {EMOTION_WORDS[emotion]} {AGE_RANGES[age].lower()} "
            f"{GENDERS[gender].lower()} voice{accent_part}; suited to {uses}.")


def _popularity(rng: random.Random, disabled: bool) -> tuple[int, int, int]:
    use = int(rng.lognormvariate(8.5, 1.3) * (0.05 if disabled else 1.0))
    hot = int(use * rng.uniform(0.05, 0.4)) + rng.randrange(50)
    collect = int(use * rng.uniform(0.01, 0.08))
    return min(hot, _INT32_MAX), min(use, _INT32_MAX), min(collect, _INT32_MAX)


def build_catalog(
    audition_url: Callable[[int], str], *, n: int | None = None, seed: int = 7
) -> list[dict[str, Any]]:
    """The default catalog (82 voices in 12 languages), or its first ``n`` voices; a larger
    ``n`` goes on with numbered namesakes. Deterministic for a given ``seed``.

    Fixed places hold the cases real catalogs have: every 20th voice is disabled, every 25th
    has no category, and voice 13 has no remark.
    """
    total = sum(len(voices) for voices in VOICES.values()) if n is None else n
    if total < 0:
        raise ValidationError(f"n must be >= 0, got {n}", where="build_catalog(n)")
    rng = random.Random(seed)
    records = []
    for i, (lang, name, gender, age, emotion) in zip(range(total), _slots(), strict=False):
        voice_id = FIRST_ID + i * ID_STEP
        accents = LANGUAGE_ACCENTS.get(lang, (0,))
        accent = accents[0] if rng.random() < 0.5 else rng.choice(accents)
        wanted = EMOTION_CATEGORIES[emotion]
        categories = [] if i % 25 == 9 else sorted(rng.sample(wanted, rng.randint(1, 2)))
        disabled = i % 20 == 17
        created = _FIRST_CREATED + _CREATION_SPAN * rng.random()
        updated = min(created + timedelta(days=rng.uniform(0, 240)), _LAST_UPDATE)
        records.append(voice_record(
            voice_id, name, lang, gender=gender, age_range=age, emotion=emotion, accent=accent,
            categories=categories,
            remark=None if i == 13 else _remark(rng, gender, age, emotion, accent, categories),
            source=1 if rng.random() < 0.3 else 0,
            type=rng.choices((1, 2, 3), weights=(8, 1, 1))[0],
            audition_url=audition_url(voice_id), status=1 if disabled else 0,
            create_time=created.replace(microsecond=0), update_time=updated.replace(microsecond=0),
            counts=_popularity(rng, disabled),
        ))
    return records


def generate_catalog(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` synthetic voices of the catalog's shape (for benchmarks: 50,000 in about a second)."""
    return build_catalog(lambda voice_id: f"https://qavixi.com/qavix/audition/{voice_id}.mp3",
                         n=n, seed=seed)


def clone_record(voice_id: int, name: str, audition_url: Callable[[int], str], *,
                 lang: str = "en", now: datetime | None = None) -> dict[str, Any]:
    """A personal voice clone as the catalog lists it: gender, age and emotion are unknown."""
    moment = (now or datetime.now(SERVICE_TZ)).astimezone(SERVICE_TZ).replace(tzinfo=None)
    return voice_record(
        voice_id, name, lang, gender=None, age_range=None, emotion=None, accent=None,
        remark="Personal voice clone", type=2, audition_url=audition_url(voice_id),
        create_time=moment.replace(microsecond=0), update_time=moment.replace(microsecond=0),
    )


def _seed_of(voice_id: Any) -> int:
    text = str(voice_id)
    return int(text) % 2**32 if text.isdigit() else zlib.crc32(text.encode())


def voice_traits(record: Mapping[str, Any]) -> dict[str, Any]:
    """Speech traits for the sandbox's synthesizer (``VoiceTraits(**voice_traits(record))``).

    Unknown codes (a clone's gender, say) fall back to young, neutral, and a gender chosen by the
    voice ID, so a voice always sounds the same.
    """
    seed = _seed_of(record.get("id"))
    gender = GENDER_TRAITS.get(record.get("gender"), ("male", "female")[seed % 2])
    emotion = EMOTIONS.get(record.get("emotion", NEUTRAL), "Neutral").lower()
    return {"gender": gender, "age": AGE_TRAITS.get(record.get("ageRange"), "young"),
            "emotion": emotion, "lang": record.get("lang") or "en", "seed": seed}


def audition_text(record: Mapping[str, Any]) -> str:
    """The sentence a voice speaks in its audition, in its own language (English otherwise)."""
    template = AUDITION_TEXTS.get(str(record.get("lang")), AUDITION_TEXTS["en"])
    return template.format(name=record.get("name") or "your voice")
