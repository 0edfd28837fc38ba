"""Frame-accurate QA and the fix: what a professional checker flags at the video's frame rate,
shot changes from the video, the dub's loudness, and a fix that leaves nothing it could fix."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qavix_lab.audio.clip import Audio
from qavix_lab.errors import ValidationError
from qavix_lab.media.ffmpeg import run_ffmpeg
from qavix_lab.media.scenes import shot_changes
from qavix_lab.transcripts import PROFILES, Timeline, fix, parse, qa
from qavix_lab.transcripts.frames import TIMING_CHECKS

F = 1 / 24  # one frame at 24 fps


def timeline(*rows: tuple[float, float, str], lang: str = "en") -> Timeline:
    return Timeline.from_sentences([{"start": a, "end": b, "text": t} for a, b, t in rows],
                                   lang=lang)


def checks(found: pd.DataFrame, sentence: int) -> dict[str, str]:
    """The timing checks a sentence fails, with their severity."""
    rows = found[(found["sentence"] == sentence) & found["check"].isin(TIMING_CHECKS)]
    return dict(zip(rows["check"].astype(str), rows["severity"].astype(str), strict=True))


@pytest.fixture(scope="module")
def cuts_video(tmp_path_factory) -> str:
    """5.5 s at 24 fps: a test pattern, a flat blue shot from 2.0 s, another pattern from 3.5 s."""
    path = tmp_path_factory.mktemp("scenes") / "cuts.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc=s=320x180:r=24:d=2",
                "-f", "lavfi", "-i", "color=c=0x3050a0:s=320x180:r=24:d=1.5",
                "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24:d=2",
                "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]", "-map", "[v]",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
               what="test video")
    return str(path)


# --- shot changes -------------------------------------------------------------------------------
def test_shot_changes_are_found_on_their_frame(cuts_video):
    cuts = shot_changes(cuts_video)
    assert list(cuts["frame"]) == [48, 84]
    assert list(cuts["time"]) == [2.0, 3.5]
    assert (cuts["score"] > 0.3).all() and cuts.attrs["fps"] == 24


def test_shot_changes_refuse_a_bad_threshold_and_a_missing_file(tmp_path):
    with pytest.raises(ValidationError, match="threshold"):
        shot_changes("x.mp4", threshold=1.5)
    with pytest.raises(Exception, match="x.mp4"):
        shot_changes(tmp_path / "x.mp4")


def test_qa_reads_fps_and_cuts_from_the_video(cuts_video):
    t = timeline((0.5, 2.0 - F, "Ends one frame before the cut."),
                 (2.0 + 3 * F, 3.5 - 2 * F, "Starts three frames late."),
                 (3.5, 5.0, "On the cut."))
    found = qa(t, video=cuts_video)
    assert found.attrs["fps"] == 24 and found.attrs["shot_changes"] == [48, 84]
    assert checks(found, 0)["shot_change_out"] == "error"
    assert checks(found, 1) == {"shot_change_in": "warning"}
    assert not checks(found, 2)


# --- the rules in frames ---------------------------------------------------------------------
def test_shot_change_rules_at_the_edges_of_the_window():
    cut = 10.0
    found = qa(timeline((8, cut - 2 * F, "Two frames before: right."),
                        (cut, 11, "On the cut: right."),
                        (12, 13.5 - 11 * F, "Eleven frames before the next cut: snap."),
                        (13.5 + 12 * F, 15, "Twelve frames after: outside the window.")),
               shot_changes=[cut, 13.5])
    assert not checks(found, 0) and not checks(found, 1)
    assert checks(found, 2) == {"shot_change_out": "warning"}
    assert "shot_change_in" not in checks(found, 3)


def test_the_window_scales_with_the_frame_rate():
    # 12 frames at 24 fps is half a second: 14 frames at 30 fps are still inside it.
    t = timeline((0, 1, "A."), (5 + 14 / 30, 7, "Starts 14 frames after a cut."))
    assert checks(qa(t, fps=30, shot_changes=[5.0]), 1) == {"shot_change_in": "warning"}
    assert not checks(qa(t, fps=30, shot_changes=[4.0]), 1)


def test_cues_follow_the_speech_of_their_words():
    t = parse([{"bg": "1000", "ed": "4000", "onebest": "Late start and long tail.",
                "wordsResultList": [{"wordBg": "20", "wordEd": "80", "wordsName": "Late"},
                                    {"wordBg": "80", "wordEd": "150", "wordsName": "tail."}]}],
              lang="en")
    found = qa(t)
    # Speech runs 1.2-2.5 s: the cue starts 5 frames early and ends 36 frames after it.
    assert found.set_index("check").loc["sync_in", "value"] == -5
    assert found.set_index("check").loc["sync_out", "value"] == 36
    fixed, changes = fix(t)
    # On frames: 1.2 s is frame 28.8, so 29; the end is 12 frames after 2.5 s (frame 60).
    assert (fixed.sentences["start"][0], fixed.sentences["end"][0]) == (29 / 24, 72 / 24)
    assert not set(qa(fixed)["check"].astype(str)) & set(TIMING_CHECKS)


# --- the fix ---------------------------------------------------------------------------------
def test_fix_chains_snaps_extends_and_reports_each_change():
    t = timeline((0, 19 * F, "First line."), (24 * F, 2.0 - F, "Ends just before the cut."),
                 (2.0 + 3 * F, 3.0, "Late after the cut."), (4, 4.25, "Short."))
    fixed, changes = fix(t, shot_changes=[2.0])
    s = fixed.sentences
    assert s["end"][0] == pytest.approx(22 * F)           # chained: 2 frames before the next
    assert s["end"][1] == pytest.approx(2.0 - 2 * F)      # 2 frames before the cut
    assert s["start"][2] == 2.0                           # on the cut
    assert s["end"][3] == pytest.approx(4 + 20 * F)       # extended to 5/6 s
    assert changes[["cue", "what", "shift_frames"]].values.tolist() == [
        [0, "end", 3], [1, "end", -1], [2, "start", -3], [3, "end", 14]]
    assert not set(qa(fixed, shot_changes=[2.0])["check"].astype(str)) & set(TIMING_CHECKS)


def test_fix_splits_an_overlong_cue_at_a_linguistic_break():
    text = ("I came home late after the meeting. The door was open, and nobody was there "
            "to greet me at all.")
    fixed, changes = fix(timeline((0, 9, text)))
    assert list(fixed.sentences["text"]) == [
        "I came home late after the meeting.",
        "The door was open, and nobody was there to greet me at all."]
    assert list(fixed.sentences["segment_id"]) == ["0.1", "0.2"]
    first, second = fixed.sentences["end"][0], fixed.sentences["start"][1]
    assert round((second - first) * 24) == 2 and fixed.sentences["end"][1] <= 7.0 + 3.6
    assert changes.loc[changes["what"] == "split", "sentence"].tolist() == [0]
    assert qa(fixed)["check"].astype(str).isin(["lines", "duration"]).sum() == 0


def test_fix_leaves_what_no_timing_can_fix_and_says_nothing_more_the_second_time():
    # The first cue is short, and the next one starts 15 frames after it: it cannot reach
    # 20 frames without overlapping, so it is chained and left for an editor.
    t = timeline((0, 0.5, "Hi."), (0.5 + 5 * F, 2, "Close."))
    fixed, _ = fix(t)
    left = qa(fixed)
    assert checks(left, 0) == {"duration": "warning"}
    assert fix(fixed)[1].empty


@st.composite
def cue_lists(draw):
    n = draw(st.integers(1, 12))
    starts = sorted(draw(st.lists(st.integers(0, 2400), min_size=n, max_size=n, unique=True)))
    rows = []
    for a in starts:
        length = draw(st.integers(1, 220))
        rows.append((a / 24, (a + length) / 24, draw(st.sampled_from(
            ["Hi.", "A fine line.", "Two short clauses, one comma."]))))
    cuts = sorted(draw(st.lists(st.integers(0, 2600), max_size=6, unique=True)))
    fps = draw(st.sampled_from([24.0, 25.0, 30.0]))
    return rows, [c / 24 for c in cuts], fps


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cue_lists())
def test_after_fix_no_timing_finding_is_left_that_a_fix_could_remove(case):
    rows, cuts, fps = case
    t = timeline(*rows)
    fixed, _ = fix(t, fps=fps, shot_changes=cuts)
    again, changes = fix(fixed, fps=fps, shot_changes=cuts)
    assert changes.empty, changes  # nothing left that the fix knows how to move
    found = qa(fixed, fps=fps, shot_changes=cuts)
    timing = found[found["check"].astype(str).isin(TIMING_CHECKS)]
    starts = np.rint(fixed.sentences["start"].to_numpy() * fps).astype(int)

    def hemmed(k: int) -> bool:  # the next cue starts too soon for this one's 5/6 s + 2 frames
        return 0 <= k < len(starts) - 1 and starts[k + 1] - starts[k] < np.ceil(5 / 6 * fps) + 2

    for _, row in timing.iterrows():
        i, check = int(row["sentence"]), str(row["check"])
        # What is left comes from cues hemmed in by the next one's start (which the fix never
        # moves later): too short, overlapping it, or (for a neighbour) unable to meet a cut.
        if check in ("duration", "overlap", "gap"):
            assert hemmed(i), (check, row["message"])
        else:
            assert hemmed(i) or hemmed(i - 1) or hemmed(i + 1), (check, row["message"])


# --- dub loudness ----------------------------------------------------------------------------
def _dub(level_lkfs: float, peak: float | None = None) -> Audio:
    """10 s at 48 kHz: a 997 Hz tone at ``level_lkfs`` inside 1-4 s and 5-9 s, silence around."""
    rate = 48_000
    time = np.arange(10 * rate) / rate
    amplitude = 10 ** ((level_lkfs + 3.01) / 20)  # a full-scale sine reads -3.01 LKFS
    tone = amplitude * np.sin(2 * np.pi * 997 * time)
    speech = ((time >= 1) & (time < 4)) | ((time >= 5) & (time < 9))
    samples = np.where(speech, tone, 0.0)
    if peak is not None:
        samples[int(6 * rate)] = peak
    return Audio(samples.astype(np.float32), rate, name="dub")


def test_dialogue_gated_loudness_on_target_passes_and_off_target_is_an_error():
    t = timeline((1, 4, "First."), (5, 9, "Second."))
    fine = qa(t, dub=_dub(-27.0))
    assert fine.empty
    assert fine.attrs["loudness"]["dialogue_lkfs"] == pytest.approx(-27.0, abs=0.1)
    loud = qa(t, dub=_dub(-22.0))
    row = loud[loud["check"] == "loudness"].iloc[0]
    assert pd.isna(row["sentence"]) and row["severity"] == "error" and row["unit"] == "LKFS"
    assert row["value"] == pytest.approx(-22.0, abs=0.1) and row["limit"] == -27


def test_true_peak_above_minus_two_dbtp_is_an_error():
    found = qa(timeline((1, 4, "First."), (5, 9, "Second.")), dub=_dub(-27.0, peak=0.9))
    row = found[found["check"] == "true_peak"].iloc[0]
    assert row["value"] == pytest.approx(20 * np.log10(0.9), abs=0.3) and row["limit"] == -2


def test_sparse_dialogue_is_held_to_the_programme_target():
    # 1 s of a 10 s clip is dialogue (10 %): the programme target (-24) applies instead.
    found = qa(timeline((1, 2, "Only line.")), dub=_dub(-27.0))
    assert found.attrs["loudness"]["dialogue_share"] == pytest.approx(0.1)
    row = found[found["check"] == "loudness"].iloc[0]
    assert row["limit"] == -24 and "programme" in row["message"]


# --- profiles -------------------------------------------------------------------------------
def test_profiles_can_be_defined_and_change_the_frames():
    strict = dataclasses.replace(PROFILES["en"], min_gap_frames=4, name="house")
    t = timeline((0, 2, "One."), (2 + 3 * F, 4, "Two."))
    assert checks(qa(t, profile=strict), 0)["gap"] == "error"
    assert "gap" not in checks(qa(t), 0)
