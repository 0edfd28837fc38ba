"""Voice catalogs and task lists as DataFrames: dtypes, filters, summaries, snapshots, cache."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime
from pathlib import Path

import orjson
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import FakeClock

from qavix_lab.errors import MalformedResponse, QavixError, ValidationError
from qavix_lab.sandbox.catalog import build_catalog
from qavix_lab.spec.models import SERVICE_TZ, VideoTask, Voice
from qavix_lab.tables import (
    CatalogCache,
    code_tables,
    describe_catalog,
    filter_voices,
    load_catalog,
    load_catalog_records,
    save_catalog,
    tasks_frame,
    voice_records,
    voice_summary,
    voices_frame,
)

SNAPSHOT = Path(__file__).resolve().parents[1] / "datasets" / "voices" / "catalog.json"
CODE_COLUMNS = ["gender", "accent", "age_range", "emotion", "source", "type", "status",
                "hot_count", "use_count", "collect_count"]
LABEL_COLUMNS = ["lang", "lang_name", "gender_str", "accent_str", "age_range_str", "emotion_str"]


def snapshot_url(voice_id: int) -> str:
    return f"https://qavixi.com/qavix/audition/{voice_id}.mp3"


@pytest.fixture(scope="module")
def records():
    return build_catalog(snapshot_url)


@pytest.fixture(scope="module")
def voices(records):
    return voices_frame(records)


def ids(df: pd.DataFrame) -> set[str]:
    return set(df["voice_id"])


def ids_where(records, keep) -> set[str]:
    return {str(r["id"]) for r in records if keep(r)}


# --- building ---------------------------------------------------------------------------------
def test_one_row_per_voice_with_honest_dtypes(voices, records):
    assert len(voices) == len(records)
    assert voices["voice_id"].dtype == "str"
    assert all(voices[c].dtype == "Int64" for c in CODE_COLUMNS)
    assert all(isinstance(voices[c].dtype, pd.CategoricalDtype) for c in LABEL_COLUMNS)
    for column in ("update_time", "create_time"):
        assert isinstance(voices[column].dtype, pd.DatetimeTZDtype)
        assert str(voices[column].dt.tz) == "Asia/Shanghai"
    assert voices["category_list"].dtype == object
    assert all(isinstance(v, list) for v in voices["category_list"])


def test_ids_stay_exact_above_float_precision(voices, records):
    assert list(voices.sort_index()["voice_id"]) == [str(r["id"]) for r in records]
    assert voices["voice_id"].loc[0] == "7300000000000000001"


def test_rows_come_most_popular_first_indexed_by_record_position(voices, records):
    assert list(voices.index) == sorted(
        range(len(records)), key=lambda i: (-records[i]["hotCount"], -records[i]["useCount"]))
    assert list(voices["voice_id"]) == [str(records[i]["id"]) for i in voices.index]
    assert voice_records(voices.sort_index()) == records
    already = voices_frame(voice_records(voices))  # a popular-first snapshot stays as it is
    assert isinstance(already.index, pd.RangeIndex)
    assert already.reset_index(drop=True).equals(voices.reset_index(drop=True))


def test_values_match_the_records(voices, records):
    first = records[0]
    row = voices.loc[0]
    assert row["name"] == first["name"] and row["lang_name"] == first["langName"]
    assert row["gender"] == first["gender"] and row["gender_str"] == first["genderStr"]
    assert row["category_list"] == first["categoryList"]
    assert row["category_str_list"] == first["categoryStrList"]
    created = datetime.strptime(first["createTime"], "%Y-%m-%d %H:%M:%S")
    assert row["create_time"] == pd.Timestamp(created, tz=SERVICE_TZ)
    assert voices["remark"].isna().sum() == sum(r["remark"] is None for r in records)


def test_descriptions_are_categories_in_code_order(voices):
    assert list(voices["gender_str"].cat.categories) == ["Male", "Female"]
    assert list(voices["age_range_str"].cat.categories) == [
        "Child", "Young", "Middle-aged", "Senior"]
    assert voices["emotion_str"].cat.categories[0] == "Neutral"


def test_descriptions_compare_in_code_order_as_the_readme_shows(voices, records):
    older = voices[voices.age_range_str >= "Middle-aged"]
    assert set(older["age_range"]) == {3, 4}
    assert len(older) == sum(r["ageRange"] >= 3 for r in records)
    assert all(voices[column].cat.ordered for column in
               ("gender_str", "age_range_str", "emotion_str", "accent_str"))
    assert voices["age_range_str"].max() == "Senior"
    assert not voices["lang_name"].cat.ordered  # languages have no order


@pytest.mark.parametrize("empty", [None, [], ()])
def test_no_data_gives_an_empty_frame_with_every_column(voices, empty):
    df = voices_frame(empty)
    assert len(df) == 0
    assert list(df.columns) == list(voices.columns)
    for column in voices.columns:
        if isinstance(voices[column].dtype, pd.CategoricalDtype):
            assert isinstance(df[column].dtype, pd.CategoricalDtype)
        else:
            assert df[column].dtype == voices[column].dtype, column
    assert filter_voices(df, text="x").empty


def test_unknown_keys_become_snake_case_columns(records):
    rows = [dict(r, newFieldCount=i, aiTag=None if i % 2 else "x") for i, r in
            enumerate(records[:4])]
    df = voices_frame(rows)
    assert df["new_field_count"].dtype == "Int64"
    assert list(df.sort_index()["new_field_count"]) == [0, 1, 2, 3]
    assert df["ai_tag"].dtype == "str"
    assert voice_records(df.sort_index())[0]["newFieldCount"] == 0


def test_missing_fields_are_missing_values(records):
    row = {k: v for k, v in records[0].items() if k not in ("gender", "remark", "categoryList")}
    df = voices_frame([row])
    assert df["gender"].isna().all() and df["remark"].isna().all()
    assert df["category_list"].iloc[0] == []


def test_spec_models_give_the_same_frame(voices, records):
    models = [Voice.from_json(r) for r in records]
    assert voices_frame(models).equals(voices)


def test_string_ids_are_kept(records):
    df = voices_frame([dict(records[0], id="9223372036854775807")])
    assert df["voice_id"].iloc[0] == "9223372036854775807"


@pytest.mark.parametrize(("index", "change", "where"), [
    (1, {"id": 7.3e18}, "result[1].id"),
    (2, {"gender": "2"}, "result[2].gender"),
    (0, {"name": 42}, "result[0].name"),
    (3, {"categoryList": [1, "news"]}, "result[3].categoryList"),
    (3, {"categoryList": "news"}, "result[3].categoryList"),
    (4, {"categoryStrList": ["News", 5]}, "result[4].categoryStrList"),
    (2, {"categoryStrList": [["News"]]}, "result[2].categoryStrList"),
    (1, {"remark": float("nan")}, "result[1].remark"),
    (1, {"createTime": "2024-02-30 10:00:00"}, "result[1].createTime"),
    (2, {"hotCount": 2**70}, "result[2].hotCount"),
    (1, {"status": True}, "result[1].status"),
])
def test_wrong_field_types_name_the_record_and_field(records, index, change, where):
    rows = copy.deepcopy(records[:5])
    rows[index].update(change)
    with pytest.raises(MalformedResponse) as caught:
        voices_frame(rows)
    assert caught.value.where == where


@pytest.mark.parametrize("where", [0, 3, -1])
def test_a_record_with_a_key_more_or_in_another_order_is_read_whole(records, where):
    rows = copy.deepcopy(records[:8])
    rows[where]["studioNote"] = "warm"
    rows[1] = dict(reversed(list(rows[1].items())))  # the same keys, another order
    df = voices_frame(rows)
    assert df.loc[len(rows) - 1 if where == -1 else where, "studio_note"] == "warm"
    assert df["studio_note"].isna().sum() == len(rows) - 1
    assert df.loc[1, "name"] == records[1]["name"]
    assert list(df.sort_index()["voice_id"]) == [str(r["id"]) for r in rows]


@pytest.mark.parametrize("id_values", [
    [7300000000000000001, 9223372036854775807, 1000000000000000000],
    [1, 22, 333, 7300000000000000001],
    [0, -5, 12],
    [9],
])
def test_ids_of_any_length_and_sign_read_as_their_digits(records, id_values):
    rows = [dict(r, id=i) for r, i in zip(records, id_values, strict=False)]
    assert sorted(voices_frame(rows)["voice_id"]) == sorted(map(str, id_values))


def test_a_frame_holds_each_value_once_and_lets_go_of_it(records):
    """The build moves pointers about instead of copying (the records' table into columns,
    the columns into popularity order): no value may be counted once too few or too many."""
    import gc
    import sys

    rows = copy.deepcopy(records)
    for i, row in enumerate(rows):  # values no other record (or frame) shares
        row["name"], row["auditionUrl"] = f"{row['name']} {i}", f"{row['auditionUrl']}?{i}"
        row["remark"] = f"{row['remark']} ({i % 7})" if row["remark"] else None
        row["hotCount"] = 10**6 + (i * 7919) % len(rows)  # popularity order unlike the records'
    watched = [rows[i][key] for i in (0, 1, len(rows) // 2, len(rows) - 1)
               for key in ("name", "remark", "auditionUrl", "categoryList", "categoryStrList")
               if rows[i][key] is not None]
    before = [sys.getrefcount(v) for v in watched]
    frames = [voices_frame(rows) for _ in range(3)]
    assert frames[0].index.tolist() != list(range(len(rows)))
    assert list(frames[0].loc[[0, 1], "name"]) == [rows[0]["name"], rows[1]["name"]]
    del frames
    gc.collect()
    assert [sys.getrefcount(v) for v in watched] == before


def test_reordering_objects_in_place_accepts_only_a_permutation_of_an_own_array():
    import numpy as np

    from qavix_lab.tables.prepared import reorder_objects

    values = np.array(["a", "b", "c", "d"], dtype=object)
    reorder_objects(values, np.array([2, 0, 3, 1]))
    assert values.tolist() == ["c", "a", "d", "b"]
    with pytest.raises(ValueError, match="permutation"):
        reorder_objects(values, np.array([0, 0, 1, 2]))
    with pytest.raises(ValueError):
        reorder_objects(values[::2], np.array([1, 0]))  # a view of another array's memory
    assert values.tolist() == ["c", "a", "d", "b"]


def test_a_record_that_is_not_an_object_is_named(records):
    with pytest.raises(MalformedResponse) as caught:
        voices_frame([records[0], records[1], "voice"])
    assert caught.value.where == "result[2]"
    with pytest.raises(MalformedResponse):
        voices_frame({"code": 0, "result": records})


# --- filters ----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "EN", "English", " english ", ["en"], ("ENGLISH",)])
def test_language_by_code_or_name_in_any_case(voices, records, lang):
    assert ids(filter_voices(voices, lang=lang)) == ids_where(records, lambda r: r["lang"] == "en")


@pytest.mark.parametrize("gender", ["female", "Female", 2, "2", [2]])
def test_gender_by_code_or_description(voices, records, gender):
    assert ids(filter_voices(voices, gender=gender)) == ids_where(records,
                                                                 lambda r: r["gender"] == 2)


def test_lists_mean_any_of(voices, records):
    got = filter_voices(voices, lang=["en", "French"], emotion=["calm", 6])
    expected = ids_where(records, lambda r: r["lang"] in ("en", "fr") and r["emotion"] in (1, 6))
    assert ids(got) == expected and expected


def test_calm_english_women(voices, records):
    got = filter_voices(voices, lang="English", gender="female", emotion="calm")
    assert len(got) >= 3
    assert set(got["lang"]) == {"en"} and set(got["emotion_str"]) == {"Calm"}


def test_age_accent_source_type_and_status(voices, records):
    cases = [
        ({"age": "middle-aged"}, lambda r: r["ageRange"] == 3),
        ({"accent": "british"}, lambda r: r["accent"] == 2),
        ({"source": "tk"}, lambda r: r["source"] == 1),
        ({"type": ["personal clone", 3]}, lambda r: r["type"] in (2, 3)),
        ({"status": "disabled"}, lambda r: r["status"] == 1),
        ({"enabled_only": True}, lambda r: r["status"] == 0),
    ]
    for filters, keep in cases:
        assert ids(filter_voices(voices, **filters)) == ids_where(records, keep), filters


def test_category_matches_any_of_the_voice_categories(voices, records):
    got = filter_voices(voices, category=["audiobook", 1])
    assert ids(got) == ids_where(records, lambda r: {1, 2} & set(r["categoryList"]))
    assert ids(filter_voices(voices, category="NEWS")) == ids_where(
        records, lambda r: 1 in r["categoryList"])


@settings(max_examples=40, deadline=None)
@given(lists=st.lists(st.lists(st.sampled_from([1, 2, 6, 62, 63, 200]), max_size=3),
                      min_size=6, max_size=6),
       wanted=st.lists(st.sampled_from([1, 2, 6, 62, 63, 200]), min_size=1, max_size=2))
def test_category_filter_matches_a_plain_python_check_after_edits(records, lists, wanted):
    rows = [dict(r, categoryList=codes, categoryStrList=[f"c{c}" for c in codes])
            for r, codes in zip(records, lists, strict=False)]
    df = voices_frame(rows)

    def expected() -> list[str]:
        return [v for v, codes in zip(df["voice_id"], df["category_list"], strict=True)
                if set(codes) & set(wanted)]

    assert list(filter_voices(df, category=wanted, sort=None)["voice_id"]) == expected()
    df.at[0, "category_list"] = list(wanted)  # an edit after the first filter is seen
    df.iloc[1, df.columns.get_loc("category_list")] = []
    assert list(filter_voices(df, category=wanted, sort=None)["voice_id"]) == expected()


def test_text_searches_name_and_remark_ignoring_case(voices, records):
    assert ids(filter_voices(voices, text="EMMA")) == ids_where(
        records, lambda r: "emma" in r["name"].lower())
    assert ids(filter_voices(voices, text="Audiobooks")) == ids_where(
        records, lambda r: "audiobooks" in (r["remark"] or "").lower())


# letters whose casefold differs from lower() or changes the length, and the bytes the search
# puts between a row's name and remark and between rows (it joins every row into one text)
TRICKY_TEXT = st.text(alphabet="aAsSßẞΣσςİi\u0307ﬁ\x00\x01 ", max_size=6)


@settings(max_examples=80, deadline=None)
@given(names=st.lists(TRICKY_TEXT, min_size=6, max_size=6),
       remarks=st.lists(st.none() | TRICKY_TEXT, min_size=6, max_size=6),
       needles=st.lists(TRICKY_TEXT.filter(bool), min_size=1, max_size=3))
def test_text_search_matches_a_plain_python_casefold_search(records, names, remarks, needles):
    rows = [dict(r, name=name, remark=remark)
            for r, name, remark in zip(records, names, remarks, strict=False)]
    df = voices_frame(rows)
    for needle in needles:  # several searches of one frame
        folded = needle.casefold()
        expected = [str(rows[i]["id"]) for i in df.index  # the frame's order
                    if folded in rows[i]["name"].casefold()
                    or folded in (rows[i]["remark"] or "").casefold()]
        assert list(filter_voices(df, text=needle, sort=None)["voice_id"]) == expected


def test_a_long_needle_is_found_as_a_short_one(records):
    long_remark = "A warm, low and unhurried voice for late-night radio and audiobooks."
    rows = [dict(r, remark=long_remark if i % 3 == 0 else r["remark"])
            for i, r in enumerate(records[:30])]
    df = voices_frame(rows)
    needle = "UNHURRIED VOICE FOR LATE-NIGHT RADIO"  # longer than the bytes numpy compares
    expected = {str(r["id"]) for r in rows if needle.casefold() in (r["remark"] or "").casefold()}
    assert ids(filter_voices(df, text=needle)) == expected == ids(
        filter_voices(df, text=needle[:8]).pipe(lambda d: d[d["remark"] == long_remark]))


def test_text_search_sees_edits_to_the_frame(records):
    df = voices_frame(records)
    assert filter_voices(df, text="zq").empty
    df.loc[3, "name"] = "Zqx"
    df.loc[5, "remark"] = "a ZQ voice"
    assert list(filter_voices(df, text="zq", sort=None)["voice_id"]) == [
        str(records[i]["id"]) for i in df.index if i in (3, 5)]
    df.loc[3, "name"] = records[3]["name"]
    df["remark"] = df["remark"].str.upper()
    assert list(filter_voices(df, text="zq")["voice_id"]) == [str(records[5]["id"])]
    df.at[7, "name"] = "zQ"  # every way of writing a cell
    df.iloc[8, df.columns.get_loc("remark")] = "zq"  # the 9th row: its label is its record's
    assert list(filter_voices(df, text="zq", sort=None)["voice_id"]) == [
        str(records[i]["id"]) for i in df.index if i in (5, 7, df.index[8])]


def test_a_misspelt_value_raises_with_the_known_ones(voices):
    with pytest.raises(ValidationError) as caught:
        filter_voices(voices, lang="englsh")
    message = str(caught.value)
    assert "English" in message and "did you mean 'English'" in message
    assert "ja (Japanese)" in message
    with pytest.raises(ValidationError):
        filter_voices(voices, emotion=["calm", "chill"])
    with pytest.raises(ValidationError):
        filter_voices(voices, gender=1.5)
    with pytest.raises(ValidationError):
        filter_voices(voices, text=5)


def test_an_unused_code_matches_nothing_and_an_empty_list_does_not_filter(voices):
    assert filter_voices(voices, emotion=42).empty
    assert len(filter_voices(voices, lang=[], category=())) == len(voices)


def test_filtering_a_filtered_frame_keeps_the_vocabulary(voices):
    english = filter_voices(voices, lang="en")
    assert filter_voices(english, lang="Japanese").empty


def test_frames_without_stored_tables_still_filter(voices, records):
    doubled = pd.concat([voices.head(10), voices.tail(72)])
    doubled.attrs.clear()
    assert code_tables(doubled)["gender"] == {1: "Male", 2: "Female"}
    assert ids(filter_voices(doubled, category="news")) == ids_where(
        records, lambda r: 1 in r["categoryList"])


def test_popularity_sort_is_hot_then_use_descending(voices):
    got = filter_voices(voices)
    keys = list(zip(got["hot_count"], got["use_count"], strict=True))
    assert keys == sorted(keys, reverse=True)
    assert len(got) == len(voices)


COUNTS = st.none() | st.integers(0, 3) | st.integers(0, 2**63 - 1)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.tuples(COUNTS, COUNTS), min_size=0, max_size=12))
def test_popularity_keeps_catalog_order_among_equals(records, counts):
    rows = [dict(r, hotCount=hot, useCount=use)
            for r, (hot, use) in zip(records, counts, strict=False)]
    got = filter_voices(voices_frame(rows))

    def popularity(i):  # descending; no count sorts below every count
        return tuple(1 if count is None else -count for count in counts[i])

    assert list(got["voice_id"]) == [str(rows[i]["id"])
                                     for i in sorted(range(len(rows)), key=popularity)]


def test_sort_by_a_column_or_not_at_all(voices, records):
    assert list(filter_voices(voices, sort=None)["voice_id"]) == list(voices["voice_id"])
    names = list(filter_voices(voices, lang="en", sort="-name")["name"])
    assert names == sorted(names, reverse=True)
    for bad in ("loudness", 3):
        with pytest.raises(ValidationError):
            filter_voices(voices, sort=bad)
    with_dicts = voices_frame([dict(r, meta={"rank": i}) for i, r in enumerate(records[:3])])
    with pytest.raises(ValidationError):
        filter_voices(with_dicts, sort="meta")


def test_sort_by_several_columns_the_first_one_first(voices):
    got = filter_voices(voices, sort=["age_range_str", "-hot_count", "name"])
    keys = list(zip(got["age_range"], -got["hot_count"], got["name"], strict=True))
    assert keys == sorted(keys)  # ages in code order (Child first), not alphabetical
    for bad in (["name", "loudness"], [], ["name", 3]):
        with pytest.raises(ValidationError, match="cannot sort by"):
            filter_voices(voices, sort=bad)


def test_a_frame_missing_a_column_is_explained(voices):
    with pytest.raises(ValidationError, match="no 'gender' column"):
        filter_voices(voices[["voice_id", "name", "hot_count", "use_count"]], gender="male")


FILTER_FIELDS = {"lang": "lang", "gender": "gender", "emotion": "emotion", "age": "ageRange",
                 "accent": "accent", "type": "type"}


@st.composite
def filter_choices(draw, tables):
    chosen = {}
    for name in draw(st.sets(st.sampled_from(sorted(FILTER_FIELDS)), max_size=3)):
        table = tables[name]
        codes = draw(st.lists(st.sampled_from(sorted(table)), min_size=1, max_size=2))
        spelled = [draw(st.sampled_from([code, table[code].upper(), table[code].lower()]))
                   for code in codes]
        chosen[name] = (set(codes), spelled)
    return chosen


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_filter_combination_matches_a_plain_python_filter(voices, records, data):
    choice = data.draw(filter_choices(code_tables(voices)))
    got = filter_voices(voices, **{name: spelled for name, (_, spelled) in choice.items()})
    expected = ids_where(records, lambda r: all(r[FILTER_FIELDS[name]] in codes
                                                for name, (codes, _) in choice.items()))
    assert ids(got) == expected


# a frame derived from a voice frame in the ways users do: its FilterIndex (shared through attrs)
# must give the rows the frame's own values give, whatever was done to it
DERIVATIONS = {
    "copy": lambda df: df.copy(),
    "slice": lambda df: df.iloc[3:40],
    "every other row": lambda df: df.iloc[::2],
    "filtered": lambda df: df[df["gender"] == 2],
    "sorted by name": lambda df: df.sort_values("name"),
    "back in record order": lambda df: df.sort_index(),
    "reset index": lambda df: df.reset_index(drop=True),
    "index by id": lambda df: df.set_index("voice_id", drop=False),
    "doubled": lambda df: pd.concat([df.head(30), df.head(30)]),
    "reversed labels": lambda df: df.set_axis(df.index[::-1]),
}


def _edit(df: pd.DataFrame, how: str, row: int) -> None:
    label = df.index[row]
    if how == "name":
        df.loc[label, "name"] = "Zq Warmth"
    elif how == "remark":
        df.iloc[row, df.columns.get_loc("remark")] = "a ZQ voice"
    elif how == "category":
        df.iat[row, df.columns.get_loc("category_list")] = [2, 5]
    elif how == "remarks upper":
        df["remark"] = df["remark"].str.upper()
    elif how == "no remark":
        df.iloc[row, df.columns.get_loc("remark")] = None


def _plain_text(df: pd.DataFrame, needle: str) -> list[str]:
    return list(df["voice_id"][_text_rows(df, needle)])


def _text_rows(df: pd.DataFrame, needle: str) -> list[bool]:
    folded = needle.casefold()
    return [folded in (n if isinstance(n, str) else "").casefold()
            or folded in (r if isinstance(r, str) else "").casefold()
            for n, r in zip(df["name"], df["remark"], strict=True)]


def _category_rows(df: pd.DataFrame, wanted: set[int]) -> list[bool]:
    return [bool(wanted & set(codes)) for codes in df["category_list"]]


def _plain_category(df: pd.DataFrame, wanted: set[int]) -> list[str]:
    return list(df["voice_id"][_category_rows(df, wanted)])


@settings(max_examples=60, deadline=None)
@given(derive=st.lists(st.sampled_from(sorted(DERIVATIONS)), min_size=1, max_size=3),
       edits=st.lists(st.tuples(st.sampled_from(["name", "remark", "category", "remarks upper",
                                                 "no remark"]), st.integers(0, 20)),
                      max_size=2),
       needle=st.sampled_from(["warm", "zq", "e", "Sofía", "AUDIOBOOK"]),
       wanted=st.sets(st.sampled_from([1, 2, 5, 7]), min_size=1, max_size=2))
def test_derived_and_edited_frames_filter_by_their_own_values(voices, derive, edits, needle,
                                                               wanted):
    df = voices
    for name in derive:
        df = DERIVATIONS[name](df)
    df = df.copy() if edits else df
    for how, row in edits:
        _edit(df, how, row % len(df))
    assert list(filter_voices(df, text=needle, sort=None)["voice_id"]) == _plain_text(df, needle)
    assert list(filter_voices(df, category=sorted(wanted), sort=None)["voice_id"]) == (
        _plain_category(df, wanted))
    both = filter_voices(df, text=needle, category=sorted(wanted), sort=None)
    rows = [t and c for t, c in zip(_text_rows(df, needle), _category_rows(df, wanted),
                                    strict=True)]
    assert list(both["voice_id"]) == list(df["voice_id"][rows])


def test_a_search_of_a_few_rows_of_a_large_catalog_matches_a_plain_search():
    from qavix_lab.sandbox.catalog import generate_catalog

    df = voices_frame(generate_catalog(20_000))  # a few rows: searched value by value
    narrow = {"lang": "ja", "gender": "female", "age": "young"}
    for needle in ("warm", "AR", "美", "e", "zq"):
        got = filter_voices(df, **narrow, text=needle, sort=None)
        rows = filter_voices(df, **narrow, sort=None)
        assert 0 < len(rows) < 1000
        assert list(got["voice_id"]) == _plain_text(rows, needle)
    edited = df.copy()
    edited.loc[rows.index[0], "remark"] = "ZQ"
    assert list(filter_voices(edited, **narrow, text="zq")["voice_id"]) == [
        rows["voice_id"].iloc[0]]


def test_the_original_frame_sees_edits_after_searches(records):
    df = voices_frame(records)
    before = filter_voices(df, text="warm", category="news")
    df.loc[before.index[0], "remark"] = "cold"
    df.loc[before.index[0], "name"] = "Frost"
    df.at[before.index[1], "category_list"] = [3]
    after = filter_voices(df, text="warm", category="news", sort=None)
    assert list(after.index) == list(before.index[2:])
    rows = [t and c for t, c in zip(_text_rows(df, "warm"), _category_rows(df, {1}),
                                    strict=True)]
    assert list(after["voice_id"]) == list(df["voice_id"][rows])


def test_repeated_remarks_are_searched_once_each(records):
    rows = [dict(r, remark=["Warm and calm.", "Bright!", None][i % 3]) for i, r in
            enumerate(records)]
    df = voices_frame(rows)
    assert list(filter_voices(df, text="WARM", sort=None).index) == [
        i for i in df.index if i % 3 == 0 or "warm" in rows[i]["name"].casefold()]
    assert df.attrs["filter_index"] is not None and len(df.attrs["filter_index"]) == len(rows)


def test_popularity_sort_of_a_reordered_frame_sorts_again(voices):
    by_name = voices.sort_values("name")
    got = filter_voices(by_name)
    assert list(got.index) == list(filter_voices(voices).index)  # ties: the frame's order
    hot = filter_voices(by_name.assign(hot_count=by_name["hot_count"][::-1].to_numpy()))
    keys = list(zip(hot["hot_count"], hot["use_count"], strict=True))
    assert keys == sorted(keys, reverse=True)


def test_popularity_sort_sees_edited_counts(records):
    df = voices_frame(records)
    assert filter_voices(df).index[0] == df.index[0]
    df.loc[df.index[-1], "hot_count"] = 10**9  # the least popular voice becomes the most
    df.iloc[1, df.columns.get_loc("use_count")] = 0
    got = filter_voices(df, sort="popularity")
    assert got.index[0] == df.index[-1]
    keys = list(zip(got["hot_count"], got["use_count"], strict=True))
    assert keys == sorted(keys, reverse=True)


# --- summaries --------------------------------------------------------------------------------
def test_summary_counts_language_by_gender(voices, records):
    table = voice_summary(voices)
    counts = Counter((r["langName"], r["genderStr"]) for r in records)
    assert table.loc["English", "Female"] == counts["English", "Female"]
    assert table.to_numpy().sum() == len(records)
    assert list(table.columns) == ["Male", "Female"]


def test_summary_by_one_column_and_by_a_list_column(voices, records):
    emotions = voice_summary(voices, "emotion_str")
    assert emotions.loc["Calm", "voices"] == sum(r["emotion"] == 1 for r in records)
    categories = voice_summary(voices, ["lang", "category_str_list"])
    assert categories.loc["en", "News"] == sum(
        r["lang"] == "en" and "News" in r["categoryStrList"] for r in records)
    with pytest.raises(ValidationError):
        voice_summary(voices, "mood")


def test_describe_catalog_gives_counts_and_shares(voices, records):
    table = describe_catalog(voices)
    assert table.loc[("gender_str", "Female"), "voices"] == sum(r["gender"] == 2 for r in records)
    assert table.loc["lang_name", "voices"].sum() == len(records)
    assert table.loc[("lang_name", "English"), "share"] == pytest.approx(
        sum(r["lang"] == "en" for r in records) / len(records))


# --- snapshots --------------------------------------------------------------------------------
def test_save_and_load_round_trip(tmp_path, voices, records):
    path = save_catalog(records, tmp_path / "sub" / "voices.json", source="unit test")
    loaded = load_catalog(path)
    assert loaded.equals(voices)
    header = loaded.attrs["snapshot"]
    assert header["source"] == "unit test" and header["count"] == len(records)
    assert datetime.fromisoformat(header["saved_at"]).tzinfo is not None
    assert load_catalog_records(path) == records
    assert b"7300000000000000001" in path.read_bytes()


def test_a_frame_saves_back_to_the_same_records(tmp_path, voices, records):
    assert voice_records(voices) == [records[i] for i in voices.index]
    subset = filter_voices(voices, lang="de", sort=None)
    path = save_catalog(subset, tmp_path / "de.json")
    assert load_catalog_records(path) == [records[i] for i in voices.index
                                          if str(records[i]["id"]) in ids(subset)]


def test_a_bare_list_or_a_web_result_loads_too(tmp_path, voices, records):
    (tmp_path / "list.json").write_bytes(orjson.dumps(records))
    (tmp_path / "answer.json").write_bytes(orjson.dumps({"code": 0, "message": "success",
                                                        "result": None}))
    assert load_catalog(tmp_path / "list.json").equals(voices)
    assert load_catalog(tmp_path / "answer.json").empty


def test_bad_snapshots_are_explained(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"tasks": []}')
    for name in ("broken.json", "other.json", "missing.json"):
        with pytest.raises(ValidationError) as caught:
            load_catalog(tmp_path / name)
        assert name in caught.value.where
    (tmp_path / "bad.json").write_bytes(orjson.dumps({"voices": [{"id": 1.5}]}))
    with pytest.raises(MalformedResponse, match=r"voices\[0\]\.id"):
        load_catalog(tmp_path / "bad.json")


def test_saving_refuses_malformed_records(tmp_path):
    with pytest.raises(MalformedResponse):
        save_catalog([{"id": 1, "gender": "male"}], tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_a_failed_write_is_a_qavix_error(tmp_path, records):
    (tmp_path / "file").write_text("")
    with pytest.raises(QavixError):
        save_catalog(records[:2], tmp_path / "file" / "voices.json")


def test_the_shipped_snapshot_is_the_current_default_catalog(voices):
    assert load_catalog(SNAPSHOT).equals(voices)


# --- cache ------------------------------------------------------------------------------------
class Fetcher:
    def __init__(self, records) -> None:
        self.records, self.calls = records, 0

    def __call__(self):
        self.calls += 1
        return self.records


def test_cache_refetches_only_after_the_ttl(records):
    clock, fetch = FakeClock(), Fetcher(records[:3])
    cache = CatalogCache(ttl=60, clock=clock)
    assert cache.get(fetch) == records[:3]
    clock.now += 59.9
    cache.get(fetch)
    assert fetch.calls == 1 and cache.age == pytest.approx(59.9)
    clock.now += 0.1
    cache.get(fetch)
    assert fetch.calls == 2
    cache.get(fetch, ttl=0)
    assert fetch.calls == 3


def test_cache_invalidate_peek_and_put(records):
    clock, fetch = FakeClock(), Fetcher(records[:2])
    cache = CatalogCache(ttl=10, clock=clock)
    assert cache.peek() is None and cache.age is None
    cache.put(None)
    assert cache.peek() == []
    cache.invalidate()
    assert cache.peek() is None
    cache.get(fetch).clear()
    assert cache.get(fetch) == records[:2] and fetch.calls == 1
    clock.now += 10
    assert cache.peek() is None and cache.peek(ttl=11) == records[:2]


@pytest.mark.parametrize("ttl", [-1, float("nan"), "60", True])
def test_cache_refuses_a_bad_ttl(ttl):
    with pytest.raises(ValidationError):
        CatalogCache(ttl=ttl)


# --- tasks ------------------------------------------------------------------------------------
def task(**fields):
    base = {"taskId": 7300000000000009999, "name": "promo.mp4", "format": "mp4",
            "coverUrl": "http://x/cover.jpg", "originalLang": "zh", "destLang": "en",
            "destFileId": 7300000000000123457, "destFileTmpUrl": "http://x/out.mp4",
            "timbre": 7300000000000000001, "soundCloneId": "clone-9",
            "destSrtFileId": "7300000000000123459", "destStrTmpUrl": "http://x/out.srt",
            "originalRtasrInfo": '[{"bg": 0}]', "destRtasrInfo": [{"bg": 0, "dst": "hi"}],
            "status": 1, "process": 100}
    return base | fields


def test_tasks_frame_keeps_ids_exact_and_names_statuses():
    df = tasks_frame([task(), task(taskId="7300000000000010000", status=7, process=40),
                      task(status=None, process=None), task(status=-1)])
    assert df["task_id"].dtype == "str"
    assert list(df["task_id"][:2]) == ["7300000000000009999", "7300000000000010000"]
    assert df["dest_file_id"].iloc[0] == "7300000000000123457"
    assert df["dest_srt_file_id"].iloc[0] == "7300000000000123459"
    assert df["status"].dtype == "Int64" and df["process"].dtype == "Int64"
    assert df["status_name"].tolist()[:2] == ["completed", "unknown(7)"]
    assert pd.isna(df["status_name"].iloc[2]) and df["status_name"].iloc[3] == "deleted"
    assert list(df.columns).index("status_name") == list(df.columns).index("status") + 1
    assert df["original_rtasr_info"].iloc[0] == '[{"bg": 0}]'
    assert df["dest_rtasr_info"].iloc[0] == [{"bg": 0, "dst": "hi"}]


def test_tasks_frame_of_nothing_has_every_column():
    df = tasks_frame(None)
    assert df.empty and "status_name" in df and "dest_str_tmp_url" in df
    assert df["status"].dtype == "Int64"


def test_tts_results_keep_their_own_fields():
    df = tasks_frame([{"taskId": "12", "lang": "en", "timbreName": "Emma", "status": 0,
                       "process": 30}])
    assert df[["lang", "timbre_name"]].iloc[0].tolist() == ["en", "Emma"]
    assert df["status_name"].iloc[0] == "processing"


def test_tasks_frame_accepts_models_and_rejects_bad_fields():
    model = VideoTask.from_json(task())
    assert tasks_frame([model]).equals(tasks_frame([task()]))
    with pytest.raises(MalformedResponse) as caught:
        tasks_frame([task(), task(process="50%")])
    assert caught.value.where == "tasks[1].process"


def test_cache_builds_the_frame_once_per_fetch(records):
    clock, fetch = FakeClock(), Fetcher(records[:3])
    cache = CatalogCache(ttl=60, clock=clock)
    first = cache.frame(fetch)
    assert cache.frame(fetch) is first and fetch.calls == 1 and len(first) == 3
    cache.invalidate()
    again = cache.frame(fetch)
    assert again is not first and fetch.calls == 2 and again.equals(first)
