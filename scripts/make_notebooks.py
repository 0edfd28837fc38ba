"""Write the user notebooks in notebooks/ from the cells below: no outputs, no widget state.

    python scripts/make_notebooks.py            # (re)write notebooks/*.ipynb
    python scripts/make_notebooks.py --check    # exit 1 when a notebook differs from this source

Edit the cells here rather than in JupyterLab: a notebook saved from a running kernel carries
outputs, widget state and timings, and tests/test_notebooks.py refuses those. Cell ids are fixed
(``<notebook>-<n>``) so that writing twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

# Every notebook starts the same way: find the datasets, choose an output folder, connect.
SANDBOX_NOTE = """\
It runs against the **embedded Qavix sandbox**, a local stand-in for the service that starts
inside this kernel, unless the `QAVIX_API_KEY` environment variable is set: then it talks to the
real service (tasks you create there count against your account). Run it top to bottom; files it
writes go to `qavix-lab-output/` beside the notebook."""
FIND_DATA = '''\
def find_datasets(start: Path) -> Path:
    """The repository's datasets/ folder, in ``start`` or in a folder above it."""
    for folder in (start, *start.parents):
        if (folder / "datasets").is_dir():
            return folder / "datasets"
    raise FileNotFoundError(f"no datasets/ folder in {start} or above it: "
                            "open this notebook from inside the qavix_lab repository")


DATA = find_datasets(Path.cwd())
OUT = Path("qavix-lab-output")  # git ignores this folder
OUT.mkdir(exist_ok=True)
DATA'''
CONNECT = """\
client = qavix_lab.connect(output_dir=OUT)
where = "the embedded sandbox" if using_sandbox(client) else "the Qavix service"
print(f"Connected to {where} at {client.base_url}")"""


def md(text: str) -> str:
    return "md:" + textwrap.dedent(text).strip()


def code(text: str) -> str:
    return "py:" + textwrap.dedent(text).strip()


def opening(title: str, intro: str, imports: str) -> list[str]:
    """Title, intro, imports, data folder and connection: the first cells of every notebook."""
    return [
        md(f"# {title}\n\n{textwrap.dedent(intro).strip()}\n\n{SANDBOX_NOTE}"),
        md("The tools this notebook uses; `%matplotlib inline` draws plots below their cells."),
        code("%matplotlib inline\n" + textwrap.dedent(imports).strip()),
        md("The sample media and transcripts live in the repository's `datasets/` folder; "
           "this finds it from the notebook's folder."),
        code(FIND_DATA),
        md("`qavix_lab.connect()` gives a client for the real service when `QAVIX_API_KEY` is "
           "set, and otherwise starts the embedded sandbox. The key itself is never shown."),
        code(CONNECT),
    ]


EXPLORE_VOICES = [
    *opening(
        "Explore the voice catalog",
        """
        The Qavix voice catalog as a pandas DataFrame: its dtypes, counts per language, gender
        and category, charts, filters that take codes or plain words, the **VoiceBrowser**
        widget to browse, hear and pick voices, a first line of speech from a picked voice, and
        a snapshot of the catalog saved for offline work.
        """,
        """
        from pathlib import Path

        import qavix_lab
        from qavix_lab import audio
        from qavix_lab.connection import using_sandbox
        from qavix_lab.errors import ValidationError
        from qavix_lab.tables import (
            describe_catalog,
            filter_voices,
            load_catalog,
            save_catalog,
            voice_summary,
        )
        from qavix_lab.widgets import VoiceBrowser
        """,
    ),
    md("## The catalog as a DataFrame\n\n"
       "`client.voices.frame()` fetches the catalog once (it is cached for ten minutes) and "
       "returns one row per voice."),
    code("""
        voices = client.voices.frame()
        print(f"{len(voices)} voices in {voices['lang'].nunique()} languages")
        voices.head()
        """),
    md("The columns have honest dtypes: voice IDs are strings (they are 64-bit integers that a "
       "float would round), codes are nullable integers, their descriptions are ordered "
       "categories (in code order), "
       "and times carry the service's time zone."),
    code("voices.dtypes"),
    md("Ordered in code order, descriptions compare as they read: the voices of middle age "
       "and older, the oldest first."),
    code("""
        older = voices[voices.age_range_str >= "Middle-aged"]
        older.sort_values("age_range_str", ascending=False)[["name", "age_range_str"]].head()
        """),
    md("How many voices there are per language and gender:"),
    code("voice_summary(voices)"),
    md("The same as a chart, largest language on top (pandas draws it with matplotlib):"),
    code("""
        by_language = voice_summary(voices)
        by_language = by_language.loc[by_language.sum(axis=1).sort_values().index]
        ax = by_language.plot.barh(stacked=True, figsize=(7, 4), title="Voices per language")
        ax.legend(title="gender")
        ax.set_xlabel("voices")
        ax.set_ylabel("");
        """),
    md("`describe_catalog` counts every trait at once, with its share of the catalog. A voice "
       "can have several categories, so category shares add up to more than 1."),
    code("describe_catalog(voices)"),
    md("Categories as a chart:"),
    code("""
        categories = voice_summary(voices, "category_str_list")["voices"].sort_values()
        ax = categories.plot.barh(figsize=(7, 3.5), title="Voices per category")
        ax.set_xlabel("voices")
        ax.set_ylabel("");
        """),
    md("## Filters\n\n"
       "`client.voices.frame(...)` and `filter_voices(voices, ...)` take codes or descriptions "
       "in any case (`lang=\"en\"` or `\"English\"`, `gender=2` or `\"female\"`); the most popular "
       "voices come first."),
    code("""
        COLUMNS = ["voice_id", "name", "lang", "gender_str", "age_range_str", "emotion_str",
                   "accent_str", "category_str_list", "hot_count"]
        client.voices.frame(lang="English", gender="female", emotion="calm")[COLUMNS]
        """),
    md("A list means *any of these*; `category` looks inside each voice's categories, `text` "
       "searches names and descriptions, and `enabled_only` drops disabled voices."),
    code("""
        filter_voices(voices, lang=["en", "fr"], category="audiobook",
                      enabled_only=True)[COLUMNS].head(8)
        """),
    md("A typo is an error that lists the values there are, never a silent empty table:"),
    code("""
        try:
            filter_voices(voices, lang="Englsh")
        except ValidationError as error:
            print(error)
        """),
    md("## Browse with the VoiceBrowser\n\n"
       "Choose filters or type a word, scroll through every match, click a header to sort "
       "(Popularity starts with the most popular; shift-click adds a second key), drag a "
       "header's edge to widen a column, click a name to hear its audition, and tick the voices "
       "you want. A tick counts only while its voice is shown: a filter that hides it drops it."),
    code("""
        browser = VoiceBrowser(client)
        browser
        """),
    md("Everything the browser does is also a Python call. **If you ticked no voice above**, "
       "this cell does what clicks would: it filters to English female voices and ticks the two "
       "most popular (the browser above shows the change)."),
    code("""
        if browser.selected.empty:
            browser.filter(lang="en", gender="female")
            browser.select(browser.matches.head(2))
        browser.selected[COLUMNS]
        """),
    md("The browser's filters are `filter_voices` keyword arguments, so its table can be "
       "rebuilt (or saved) in plain pandas:"),
    code("""
        print(browser.filters)
        filter_voices(voices, **browser.filters, sort=browser.sort)[COLUMNS].head()
        """),
    md("## Hear a picked voice\n\n"
       "`client.tts.synthesize` creates a speech task, waits for it and downloads the audio; "
       "the `Speech` it returns plays in the notebook."),
    code("""
        voice = browser.selected.iloc[0]
        speech = client.tts.synthesize("Hello! This is how I would read your script.", voice,
                                       OUT / "hello.mp3")
        speech
        """),
    md("`qavix_lab.audio.metrics` measures it: duration, loudness, peaks, silence, speaking "
       "rate and pitch."),
    code("audio.metrics(speech.path, text=speech.text)"),
    md("## Work offline\n\n"
       "`save_catalog` writes the raw records with a small header; `load_catalog` reads them "
       "back as the same DataFrame, with no connection."),
    code("""
        snapshot = save_catalog(client.voices.records(), OUT / "voices.json",
                                source=client.base_url)
        offline = load_catalog(snapshot)
        print(offline.attrs["snapshot"])
        offline.dtypes.equals(voices.dtypes)
        """),
    md("The repository ships such a snapshot of the sandbox's catalog, ready to explore:"),
    code("""
        shipped = load_catalog(DATA / "voices" / "catalog.json")
        voice_summary(shipped, "emotion_str")
        """),
]

AB_COMPARE_TTS = [
    *opening(
        "Compare voices: A/B listening, blind tests and a CMOS study",
        """
        One line of text read by a few candidate voices, side by side: the **TtsAB** widget
        synthesizes it, plays the clips, measures them (loudness, speaking rate, pitch...) and
        plots them, then runs a **blind A/B test** between two of the voices and says whether
        the preference is more than chance. Each step is then done again in plain Python.
        Finally a **CMOS listening test** of the three voices on four sentences with two
        raters: trials, stimuli, a widget, a shareable page, statistics with honest intervals,
        rater screening and objective scores beside them.
        """,
        """
        import json
        import random
        from pathlib import Path

        from IPython.display import display

        import qavix_lab
        from qavix_lab import audio
        from qavix_lab.audio.listening import ListeningTest
        from qavix_lab.connection import using_sandbox
        from qavix_lab.errors import ValidationError
        from qavix_lab.widgets import ListeningWidget, TtsAB
        """,
    ),
    md("## The candidates\n\nThree English female voices, the most popular first, and the "
       "line they will read."),
    code("""
        LINE = "Welcome back! Today we will build a small robot that waters your plants."
        candidates = client.voices.frame(lang="en", gender="female", enabled_only=True).head(3)
        candidates[["voice_id", "name", "age_range_str", "emotion_str", "accent_str"]]
        """),
    md("## The TtsAB widget\n\n"
       "The *Compare* tab shows the players, the measures and a plot once the speech is there; "
       "the *Blind test* tab runs the blind test. *match loudness* plays every clip at the "
       "same loudness."),
    code("""
        ab = TtsAB(client, candidates, text=LINE, out_dir=OUT / "ab")
        ab
        """),
    md("Click **Synthesize** above, or run this cell: it does the same and waits until the "
       "clips are ready (the progress shows in the widget)."),
    code("ab.synthesize().result()"),
    md("The measures behind the widget's table, as a DataFrame with one row per voice: "
       "duration, loudness, peak level, speaking rate and pitch. (`ab.metrics` has more, and "
       "a `_diff` column per measure against the first voice.)"),
    code("""
        MEASURES = ["duration_s", "loudness_lufs", "true_peak_dbtp", "chars_per_s",
                    "syllables_per_s", "f0_median_hz", "f0_range_st"]
        ab.metrics[MEASURES].round(2)
        """),
    md("And its picture: waveform, spectrogram and pitch of each clip on one time axis."),
    code("ab.figure"),
    md("## The same in plain Python\n\n"
       "`client.tts.batch` synthesizes every text with every voice concurrently; each clip is a "
       "row, and a failure is a row with its `error`, not an exception."),
    code("""
        clips = client.tts.batch(LINE, candidates, out_dir=OUT / "batch")
        clips[["voice_id", "status", "audio_path", "error", "total_s"]]
        """),
    md("## Never pay twice\n\n"
       "Every batch is journaled in a ledger (`.qavix-ledger/` beside the notebook; "
       "`ledger=False` turns it off). Running the same cell again, after a kernel restart or a "
       "crash too, re-attaches to the tasks already created and keeps the files already "
       "verified: only what was never sent is sent. `fresh=True` asks for a new take on "
       "purpose."),
    code("""
        again = client.tts.batch(LINE, candidates, out_dir=OUT / "batch")
        print("tasks created again:", int((~again["task_id"].isin(clips["task_id"])).sum()))
        again[["voice_id", "task_id", "ledger_state", "audio_path"]]
        """),
    md("The ledger as a DataFrame: one row per job with its task ID, state, output file and "
       "checksum, from this kernel and earlier ones."),
    code("""
        from qavix_lab.client import Ledger

        ledger = client.ledger or Ledger()
        ledger.frame()[["label", "state", "task_id", "output_path", "output_sha256"]].tail(
            len(candidates))
        """),
    md("The same ledger in a `TaskMonitor`: one row per job, also those of an earlier kernel "
       "or of a batch running in another process, re-read every second. A job never sent shows "
       "as `planned`; a create whose answer was lost shows as `unknown`, with what to do; a task "
       "whose kernel died is polled through `client`."),
    code("""
        from qavix_lab.widgets import TaskMonitor

        TaskMonitor(ledger=ledger, client=client)
        """),
    md("Load the clips that succeeded, named after their voices:"),
    code("""
        names = candidates.set_index("voice_id")["name"]
        ok = clips[clips["error"].isna()]
        named = [audio.load(path, name=names[voice])
                 for path, voice in zip(ok["audio_path"], ok["voice_id"], strict=True)]
        named
        """),
    md("`audio.compare` measures them (the same table as the widget's):"),
    code("audio.compare(*named, texts=LINE)[MEASURES].round(2)"),
    md("`audio.plot` draws the kinds you choose; here waveforms and pitch tracks:"),
    code('audio.plot(*named, kinds=("waveform", "pitch"))'),
    md("A louder clip tends to win a listening test. `audio.match_loudness` brings every clip "
       "to the same integrated loudness (-23 LUFS) so the voices are judged, not the levels:"),
    code("""
        matched = audio.match_loudness(*named, target_lufs=-23.0)
        for clip in matched:
            print(f"{clip.name}: {audio.loudness(clip):.1f} LUFS")
            display(clip)
        """),
    md("## The blind test\n\n"
       "Each trial plays the same line in two voices as *A* and *B*, in a new random order, "
       "and asks which is better; which voice is which stays in Python until the end. Start it "
       "with **Start blind test** in the widget's *Blind test* tab, or with this cell (playback "
       "at matched loudness)."),
    code("""
        ab.match_loudness = True
        blind = ab.blind if ab.blind is not None else ab.start_blind()
        blind
        """),
    md("**Or vote in the widget above.** This cell stands in for a listener who prefers the "
       "first voice four times out of five, and votes through the Python API as the *A is "
       "better* / *B is better* buttons do. (A simulated listener may look at `current()`; "
       "a person only ever hears A and B.) After the last vote the widget reveals the result."),
    code("""
        listener = random.Random(1)
        favourite, other = ab.blind_pair
        while not blind.done and not blind.revealed:
            liked = favourite if listener.random() < 0.8 else other
            ab.vote("A" if blind.current()["A"] == liked else "B")
        """),
    md("Who was *A* and *B* in each trial, what was chosen, and how long the listener took "
       "(the simulated one answers at once):"),
    code("blind.results()"),
    md("The verdict: a one-sided exact binomial test of the preferred voice against chance."),
    code("blind.summary()"),
    md("## Many raters: a CMOS test of three voices\n\n"
       "One listener and one sentence is a first look. A study compares several systems on "
       "several sentences with several raters. `ListeningTest` builds the trials (every pair "
       "on every sentence, each voice first as often as second, hidden duplicates and gold "
       "trials against a degraded anchor) and prepares the stimuli: silences trimmed, "
       "loudness matched, each sentence padded to one length, all re-encoded through Opus "
       "under opaque names. Four sentences in the three voices, through `tts.batch`:"),
    code("""
        SENTENCES = [LINE, "Please check the soil before you water anything.",
                     "The robot needs a small pump, a moisture sensor and a battery.",
                     "Thank you for watching, and see you next week."]
        grid = client.tts.batch(SENTENCES, candidates, out_dir=OUT / "cmos")
        test = ListeningTest.from_batch(grid, "cmos", names=candidates, seed=7,
                                        folder=OUT / "stimuli")
        systems = test.systems
        test
        """),
    md("(From files you already have: `ListeningTest({\"voice A\": [paths...], \"voice B\": "
       "[...]}, items=SENTENCES, kind=\"cmos\")`.)"),
    md("Every trial, with the systems behind its slots (only Python knows them), and the "
       "prepared stimuli: gain applied, silence trimmed, and one duration per sentence."),
    code("test.trials.head(8)"),
    code("""
        test.stimuli.groupby("item")["duration_s"].agg(["min", "max"]).round(3)
        """),
    md("**Raters take turns in this widget**: type a name, then play with 1 and 2, choose with "
       "the arrow keys (-3: A much better ... +3: B much better) and go on with Enter."),
    code("ListeningWidget(test)"),
    md("Two simulated raters stand in for colleagues here. Each hears a voice's hidden "
       "quality, with their own leniency and noise; the first answers as the widget does, "
       "the second sends back the results file the shared page produces. (A simulation may "
       "look at `trial.systems`; a person only hears A and B.)"),
    code("""
        quality_of = dict(zip(systems, [1.2, 0.0, -0.8], strict=True)) | {"(anchor)": -3.0}

        def opinion(trial, rng, scale):
            first, second = trial.systems
            gap = scale * (quality_of[second] - quality_of[first]) + rng.gauss(0, 0.6)
            return max(-3, min(3, round(gap)))

        rng = random.Random(3)
        session = test.session("rater 1")
        while not session.done:
            session.answer(opinion(session.trial, rng, scale=1.0))

        page_results = {"format": "qavix-listening-results/1", "test": test.id, "kind": "cmos",
                        "rater": "rater 2",
                        "answers": [{"trial": t.id, "answer": opinion(t, rng, scale=0.7)}
                                    for t in test.order("rater 2")]}
        (OUT / "rater2.json").write_text(json.dumps(page_results))
        test.add_results([OUT / "rater2.json"])
        test.answers.groupby("rater").size()
        """),
    md("## Share it\n\n"
       "One HTML file holds the whole test, stimuli included: mail it, a rater opens it in any "
       "browser (offline), answers, and sends back the results file it offers (download, or "
       "copy as text). It never names a voice. `test.add_results([...])` merges the files."),
    code("""
        page = test.export_html(OUT / "cmos_test.html", title="Which voice reads better?")
        print(f"{page.name}: {page.stat().st_size / 1e6:.2f} MB, "
              f"names a voice: {any(name in page.read_text() for name in systems)}")
        """),
    md("## The analysis\n\n"
       "Objective proxies first, per stimulus as the raters hear it: DNSMOS (predicted "
       "signal, background and overall quality, 1 to 5), and the word error rate of an English "
       "speech recognizer against the text. They need the optional extra "
       "`pip install 'qavix_lab[quality]'`. The recognizer takes a second or two per clip, so "
       "`test.quality(asr=True)` adds it to every stimulus; here it runs on the first "
       "sentence only."),
    code("""
        try:
            objective = test.quality(asr=False)
            first = test.stimuli[(test.stimuli["item"] == LINE)
                                 & (test.stimuli["system"] != "(anchor)")]
            heard = audio.quality(list(first["path"]), texts=LINE, dnsmos_scores=False)
            heard.index = first["system"]
            display(heard)
        except audio.MissingExtra as missing:
            objective = None
            print(missing)
        objective
        """),
    md("Raters screened by the gold and duplicate trials; every pair with its mean CMOS, an "
       "interval from a bootstrap over raters *and* sentences, and a sign test (ties are "
       "dropped); a Bradley-Terry ranking with intervals; human and objective side by side, "
       "with the sentences where they disagree. Then a verdict in words."),
    code("""
        result = test.analyze(quality=objective)
        print(result.verdict)
        result.screening
        """),
    code("result.pairs.round(3)"),
    code("result.ranking.round(3)"),
    code("result.tables.get('quality')"),
    code("result.tables.get('disagreements')"),
    md("One figure per analysis:"),
    code("""
        for name, figure in result.figures().items():
            display(figure)
        """),
    md("How many raters would a 0.3 CMOS difference need, with the spreads of raters, "
       "sentences and answers seen so far (power 0.8, two-sided 5 %)? More sentences help "
       "where more raters cannot."),
    code("""
        for effect in (0.3, 0.5, 1.0):
            try:
                print(f"{effect} CMOS: {test.raters_needed(effect)} raters")
            except ValidationError as impossible:
                print(f"{effect} CMOS: {impossible.message}")
        """),
]

ANALYZE_TRANSCRIPTS = [
    *opening(
        "Analyze the transcripts of a translation task",
        """
        A video translation task returns what was said (`originalRtasrInfo`) and its
        translation (`destRtasrInfo`) as iFlytek transcripts. This notebook runs a task on the
        sample clip, turns both transcripts into **timelines** (sentences and words with times),
        plots them, runs the **quality checks** a subtitler would make **in frames of the
        video** (gaps, chaining, shot changes, reading speed) and the **dub's loudness**,
        **fixes** what timing can fix, plays the dub with its timeline in the
        **TimelinePlayer**, writes **SRT/WebVTT** subtitles, and finally parses transcripts in
        every shape real iFlytek services produce, quirks included.
        """,
        """
        import json
        from pathlib import Path

        import pandas as pd

        import qavix_lab
        from qavix_lab.connection import using_sandbox
        from qavix_lab.media.scenes import shot_changes
        from qavix_lab.tables import tasks_frame
        from qavix_lab.transcripts import (
            compare_timing,
            fix,
            from_task,
            parse,
            plot_qa,
            profile_table,
            qa,
            qa_summary,
            read_many,
            read_srt,
        )
        from qavix_lab.widgets import TimelinePlayer
        """,
    ),
    md("## The task\n\nTranslate the sample clip from English to French and wait for it (a "
       "progress bar shows while it runs)."),
    code("""
        task = client.video.translate(DATA / "media" / "sample.mp4", "en", "fr",
                                      name="sample, French")
        state = task.wait(progress_bar=True)
        state.status
        """),
    md("The finished task as a DataFrame row: IDs as strings, the status code with its name; "
       "the transcripts stay raw here."),
    code("tasks_frame([state]).drop(columns=['original_rtasr_info', 'dest_rtasr_info']).T"),
    md("The dubbed video, downloaded for the checks below:"),
    code("""
        dub = client.files.download(state.dest_file_tmp_url, OUT / "sample_fr.mp4")
        dub
        """),
    md("## Timelines\n\n"
       "`task.transcripts()` parses both transcripts: `source` holds the original sentences, "
       "each with its translation; `translated` holds the dub's sentences, timed on the new "
       "audio track, with the original as `source_text`."),
    code("""
        source, translated = task.transcripts()
        source, translated
        """),
    md("The sentences, with times in seconds:"),
    code('source.sentences[["start", "end", "duration", "speaker", "text", "translation"]]'),
    md("And the words of each sentence (`sentence` is the row in `source.sentences`):"),
    code("source.words.head(12)"),
    md("Both on one time axis: each speaker's source lane with the translation just below it."),
    code("source.plot(other=translated);"),
    md("## Quality checks, in frames\n\n"
       "`qa` measures every translated sentence (reading speed, line length and count, time on "
       "screen, gaps, how much longer the translation takes to say than the original...) and "
       "lists what breaks the limits of a **profile**. Profiles are data: one row per language "
       "and audience (adult, children, SDH), each with its source, the date it was checked and "
       "how (`verified`: read on the publisher's page, only quoted by others, or not found)."),
    code('profile_table()[["lang", "audience", "max_cps", "max_chars_per_line", "verified"]]'),
    md("Timing is checked the way a professional subtitle checker does it: in **frames** of the "
       "video (read from `video=`; or pass `fps=`). At least 2 frames between subtitles, gaps "
       "under 12 frames closed to 2 (chaining), subtitles starting on the first frame of speech "
       "and ending at most 12 frames after it, cues near a **shot change** snapped to it. With "
       "`dub=`, the dub's **dialogue-gated loudness** and true peak are checked against the "
       "profile's target (-27 LKFS +-2, at most -2 dBTP). French has no profile of its own, so "
       "it gets the `default` one (pass `profile=` to choose); the sandbox's French runs long."),
    code("""
        findings = qa(translated, source=source, video=dub, dub=dub)
        findings[["sentence", "check", "value", "limit", "unit", "severity", "message"]]
        """),
    md("What the checks used: the profile, the frame rate read from the video, the shot "
       "changes found in it (frames) and the dub's loudness measures. The dub sits inside the "
       "dialogue target, so it has no loudness finding."),
    code("""
        print(f"profile {findings.attrs['profile']}, {findings.attrs['fps']:g} fps, "
              f"shot changes at frames {findings.attrs['shot_changes']}")
        findings.attrs["loudness"]
        """),
    md("Findings per check and severity, and as a picture (counts per check, and where in "
       "time they fall):"),
    code("qa_summary(findings)"),
    code("plot_qa(findings)"),
    md("### Shot changes\n\n"
       "`shot_changes` finds cuts from ffmpeg's scene score (with the ffmpeg that ships with "
       "qavix_lab). The sample clip is one continuous shot, so it finds none:"),
    code("shot_changes(dub)"),
    md("An editor's cut list works as well: pass the times (seconds) as `shot_changes=`. Here, "
       "cuts 2 frames before sentence 2 starts and 1 frame after it ends: its in-time should "
       "snap onto the first cut, and an out-time 1 frame before a cut is an error."),
    code("""
        cuts = [5.2, 6.92]
        cut_findings = qa(translated, source=source, video=dub, shot_changes=cuts)
        cut_findings[cut_findings["check"].astype(str).str.startswith("shot_change")][
            ["sentence", "check", "value", "limit", "unit", "severity", "message"]]
        """),
    md("## Fix the timing\n\n"
       "`fix(timeline, profile)` returns a corrected timeline and a table of what it changed: "
       "it splits cues that are too long at a linguistic break, puts times on frames, chains "
       "short gaps, snaps to shot changes and extends short cues where the gap allows. "
       "The Chinese talk in `task_query.json` (a saved task answer, read with `from_task`) has "
       "timing errors at 25 fps: gaps of a few frames and one of a single frame, a flicker."),
    code("""
        answer = json.loads((DATA / "transcripts" / "task_query.json").read_text(encoding="utf-8"))
        talk_source, talk = from_task(answer)
        talk_findings = qa(talk, "en", source=talk_source, fps=25)
        talk_findings[["sentence", "check", "value", "limit", "unit", "severity", "message"]]
        """),
    code("""
        fixed, changes = fix(talk, "en", fps=25)
        changes
        """),
    md("QA again on the fixed timeline: the gap and chaining errors are gone. What is left is "
       "text that is too long for its slot, which needs an editor, not a new time."),
    code("""
        after = qa(fixed, "en", source=talk_source, fps=25)
        timing = ["gap", "chaining", "overlap", "duration", "shot_change_in", "shot_change_out",
                  "sync_in", "sync_out"]
        print("timing findings before:", talk_findings["check"].isin(timing).sum(),
              " after:", after["check"].isin(timing).sum())
        after[["sentence", "check", "value", "limit", "unit", "severity", "message"]]
        """),
    md("The same on the dub, against its video and the cut list above:"),
    code("""
        fixed_dub, dub_changes = fix(translated, video=dub, shot_changes=cuts)
        dub_changes
        """),
    md("## Play the dub with its timeline\n\n"
       "The **TimelinePlayer** plays the video with its sentences as lanes (one per speaker, "
       "the original text above the translation) and the QA findings marked on them. **Click a "
       "sentence** (or a finding in the list) to play it from its start to its end; the "
       "playhead follows playback; click the widget, then **space** plays or pauses and "
       "**left/right** go to the previous/next sentence. The video is streamed from the kernel, "
       "not stored in the notebook; exported to HTML, the cell shows a still picture instead."),
    code("""
        player = TimelinePlayer(translated, dub, qa=findings)
        player
        """),
    md("The same from Python: play sentence 2 (a row of `translated.sentences`)."),
    code("player.play_sentence(2)"),
    md("## Subtitles\n\nThe translated timeline as SubRip, lines broken for French:"),
    code("print(translated.to_srt())"),
    md("Saved as SRT and WebVTT:"),
    code("""
        translated.save_srt(OUT / "sample_fr.srt"), translated.save_vtt(OUT / "sample_fr.vtt")
        """),
    md("The task also made subtitles of its own. Download them, read them back as a timeline, "
       "and compare each cue with the transcript sentence it overlaps most (shifts in seconds; "
       "`overlap` is the share of the cue the sentence covers)."),
    code("""
        task_srt = client.files.download(state.dest_str_tmp_url, OUT / "sample_fr_task.srt")
        compare_timing(translated, read_srt(task_srt, lang="fr"))
        """),
    md("## Transcripts you already have\n\n"
       "`parse` reads every iFlytek shape (real-time ASR messages, long-audio results, sentence "
       "lists), as JSON text or decoded objects, whatever the file's name. The repository "
       "has one file of each; they reproduce the shapes and quirks of real rtasr and lfasr "
       "output with values of our own (see `datasets/transcripts/README.md`):"),
    code("""
        shapes = []
        for path in sorted((DATA / "transcripts").glob("*.json")):
            if path.name == "task_query.json":
                continue  # a whole task answer: read with from_task above
            text = path.read_text(encoding="utf-8")
            timeline = parse(text)
            shapes.append({"file": path.name, "sentences": len(timeline),
                           "words": len(timeline.words), "speakers": len(timeline.speakers),
                           "seconds": timeline.duration})
        pd.DataFrame(shapes)
        """),
    md("**Long-audio (lfasr) results** carry two lattices: `lattice`, smoothed by the service "
       "(fillers and repeats removed), and `lattice2`, the raw one. `parse` reads the smoothed "
       "one; `raw=True` gives the raw one. Translations are matched on each sentence's `si` "
       "(in real results `lattice2`'s `lid` is \"0\" everywhere). Sentence 2 shows the "
       "difference: the raw lattice keeps the filler 嗯."),
    code("""
        lfasr_text = (DATA / "transcripts" / "lfasr_result.json").read_text(encoding="utf-8")
        smoothed, raw = parse(lfasr_text), parse(lfasr_text, raw=True)
        pd.DataFrame({"smoothed": smoothed.sentences["text"], "raw": raw.sentences["text"],
                      "translation": smoothed.sentences["translation"]})
        """),
    md("The older long-audio **v1 answer** (`{\"ok\", \"err_no\", \"failed\", \"data\"}`, "
       "`data` JSON text) is unwrapped, and texts are stripped (real results have sentences "
       "that start with a space):"),
    code("""
        v1 = parse((DATA / "transcripts" / "lfasr_v1_answer.json").read_text(encoding="utf-8"))
        v1.sentences[["start", "end", "speaker", "text"]]
        """),
    md("**Real-time ASR (rtasr)** sends a speaker (`rl`) on the word where it changes, so a "
       "sentence can change speaker half-way (\"Morning!\" below is speaker 2's). Its word "
       "confidences are a placeholder (always 0.00), so they come out missing (`<NA>`), not 0:"),
    code("""
        rtasr_text = (DATA / "transcripts" / "rtasr_word_speakers.json").read_text(encoding="utf-8")
        rtasr = parse(rtasr_text)
        rtasr.words[["sentence", "start", "end", "text", "speaker", "confidence"]].head(8)
        """),
    md("**Many files at once**: `read_many` parses a list or a glob of transcripts into one "
       "DataFrame of sentences (or `level=\"words\"`), with a `file` column. It runs in "
       "worker processes by default (or on a dask cluster); a handful of files is quicker in "
       "this process (`engine=\"serial\"`). A file that does not parse stops it with a list "
       "of every failure; `on_error=\"skip\"` keeps the rest (and warns)."),
    code("""
        files = [path for path in sorted((DATA / "transcripts").glob("*.json"))
                 if path.name != "task_query.json"]
        corpus = read_many(files, engine="serial")
        names = corpus["file"].map(lambda file: Path(file).name).rename("file")
        corpus.groupby(names, sort=False).agg(sentences=("text", "size"), seconds=("end", "max"))
        """),
    md("The English lanes of the Chinese talk from `task_query.json`, with its QA findings "
       "(the Chinese lanes need a CJK font, which many systems lack, so only the translation "
       "is drawn here):"),
    code("talk.plot();"),
    code("plot_qa(talk_findings)"),
]

DRAW_ERASURE_REGIONS = [
    *opening(
        "Draw erasure regions and erase them",
        """
        The sample clip has a **QAVIX DEMO** watermark in the top-right corner and burned-in
        subtitles at the bottom. Draw boxes over them with the **RegionDrawer** widget (or set
        them from Python), send the clip to the smart-erase task, and compare frames before and
        after, side by side and in numbers.
        """,
        """
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        import pandas as pd
        from matplotlib.patches import Rectangle

        import qavix_lab
        from qavix_lab.connection import using_sandbox
        from qavix_lab.media import frame, probe
        from qavix_lab.regions import Region, RegionType, erase_fields
        from qavix_lab.widgets import RegionDrawer
        """,
    ),
    md("## The clip\n\n`probe` reads its format, size, duration and picture size with ffmpeg:"),
    code("""
        SAMPLE = DATA / "media" / "sample.mp4"
        info = probe(SAMPLE)
        SIZE = (info.width, info.height)
        info
        """),
    md("The picture at 3 s: the watermark at the top right, a subtitle at the bottom."),
    code("frame(SAMPLE, t=3.0)"),
    md("## Draw\n\n"
       "Drag on the frame to draw a box; drag a box to move it and its corners to resize it. "
       "Click the widget, then press `l` or `s` to tag the selected box as logo or subtitle, "
       "`Delete` to remove it, arrows to nudge it, `Ctrl+Z` / `Ctrl+Shift+Z` to undo / redo. "
       "The slider below the frame scrubs the clip (the kernel sends each frame once), the "
       "wheel zooms and `Alt`+drag pans; **Suggest** proposes a subtitle band from the text "
       "rows it finds in 8 frames. **Protect** switches to keeping the boxes and erasing the "
       "rest automatically. Coordinates are pixels of the video."),
    code("""
        drawer = RegionDrawer(SAMPLE, t=3.0)
        drawer
        """),
    md("**Or set the boxes from Python**, as your drawing would: a logo box over the watermark, "
       "and the subtitle band that `suggest()` finds in the frames (the Suggest button does the "
       "same). The cell leaves boxes you drew above alone; the drawer shows the new ones."),
    code("""
        if not drawer.regions:
            drawer.regions = [Region.from_xywh(448, 10, 180, 40, type="logo", frame=SIZE)]
            drawer.suggest()
        drawer.regions
        """),
    md("The boxes on the frame as a picture: unlike the live widget, it stays in an exported "
       "notebook (HTML, or opened without a kernel)."),
    code("drawer.snapshot()"),
    md("The boxes as the erase request will carry them: four corners clockwise from the top "
       "left, type 1 (logo) or 2 (subtitle), manual mode, and the erase type that covers "
       "both kinds:"),
    code("erase_fields(drawer.regions, frame=SIZE)"),
    md("A helper to draw boxes over a picture, and a look at the boxes before sending them:"),
    code('''
        COLORS = {RegionType.LOGO: "tab:orange", RegionType.SUBTITLE: "tab:cyan"}


        def outline(ax, regions):
            """Draw each region's outline and type on an image axis."""
            for region in regions:
                x, y, w, h = region.xywh
                color = COLORS[region.type]
                ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, lw=2, color=color))
                ax.text(x + 4, y + 4, region.type.name.lower(), color=color, va="top")


        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.imshow(frame(SAMPLE, t=3.0).array)
        outline(ax, drawer.regions)
        ax.axis("off");
        '''),
    md("## Erase\n\n"
       "`drawer.erase_kwargs()` gives `client.video.erase` the regions, the manual mode and "
       "the erase type. The clip is uploaded for you; wait for the task and download the "
       "result."),
    code("""
        task = client.video.erase(SAMPLE, **drawer.erase_kwargs(), name="sample, erased")
        task.wait(progress_bar=True)
        erased = task.download(OUT / "sample_erased.mp4")
        erased
        """),
    md("## Before and after\n\nThe same moment of both clips, side by side:"),
    code("""
        before, after = frame(SAMPLE, t=3.0), frame(erased, t=3.0)
        fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), layout="constrained")
        for ax, title, picture in zip(axes, ["before", "after"], [before, after], strict=True):
            ax.imshow(picture.array)
            ax.set_title(title)
            ax.axis("off")
        outline(axes[0], drawer.regions)
        """),
    md("A closer look at the watermark corner:"),
    code("""
        logo = next(r for r in drawer.regions if r.type == RegionType.LOGO)
        rows = slice(max(logo.y0 - 15, 0), logo.y1 + 16)
        columns = slice(max(logo.x0 - 15, 0), logo.x1 + 16)
        fig, axes = plt.subplots(1, 2, figsize=(12, 2.4), layout="constrained")
        for ax, title, picture in zip(axes, ["before", "after"], [before, after], strict=True):
            ax.imshow(picture.array[rows, columns])
            ax.set_title(title)
            ax.axis("off")
        """),
    md("In numbers: the mean change of the pixels (0 to 255) inside each box and in the rest "
       "of the frame, where only video compression changed anything."),
    code("""
        change = np.abs(after.array.astype(int) - before.array.astype(int)).mean(axis=2)
        inside = np.zeros(change.shape, dtype=bool)
        table = []
        for region in drawer.regions:
            box = (slice(region.y0, region.y1 + 1), slice(region.x0, region.x1 + 1))
            inside[box] = True
            table.append({"region": region.type.name.lower(), "xywh": region.xywh,
                          "mean change": change[box].mean()})
        table.append({"region": "rest of the frame", "xywh": None,
                      "mean change": change[~inside].mean()})
        pd.DataFrame(table).round(1)
        """),
    md("## Or let the service find them\n\n"
       "Automatic mode needs no boxes: say what to erase (`subtitles`, `watermark` or `both`)."),
    code("""
        auto = client.video.erase(SAMPLE, mode="auto", erase_type="both", name="sample, auto")
        auto.wait(progress_bar=True)
        auto_erased = auto.download(OUT / "sample_auto_erased.mp4")
        frame(auto_erased, t=3.0)
        """),
]

DUB_A_VIDEO = [
    *opening(
        "Dub a video",
        """
        The whole dubbing workflow on the sample clip: **try** the translation on an excerpt,
        **upload** the clip, **translate** it from English to French in a French voice,
        **monitor** the task with the TaskMonitor widget (and wait for it in plain Python),
        watch and **hear the dub against the original**, read its **transcripts**, preview its
        **subtitles** burned in, and finally **lip-sync** the original picture to the French
        audio and compare the two side by side.
        """,
        """
        from pathlib import Path

        import pandas as pd
        from IPython.display import Video

        import qavix_lab
        from qavix_lab import audio, media, samples
        from qavix_lab.connection import using_sandbox
        from qavix_lab.media import probe
        from qavix_lab.widgets import TaskMonitor
        """,
    ),
    md("## The clip\n\nTen seconds of English speech with subtitles burned in. It ships inside "
       "the package (`qavix_lab.samples`), so this works from an installed wheel too:"),
    code("""
        SAMPLE = samples.video()
        Video(SAMPLE, embed=True, width=480)
        """),
    md("## Try it on an excerpt first\n\n"
       "A translation is paid by the minute. `media.excerpt` cuts a few seconds exactly "
       "(start and end in seconds), so you can hear the voice and check the timing before "
       "paying for the whole video. Here the first 4 seconds, translated as a trial:"),
    code("""
        trial = media.excerpt(SAMPLE, 0, 4, OUT / "sample_first_4s.mp4")
        trial_task = client.video.translate(trial, "en", "fr", name="sample, trial")
        trial_task.wait(progress_bar=True)
        Video(trial_task.download(OUT / "sample_first_4s_fr.mp4"), embed=True, width=480)
        """),
    md("## Upload\n\n"
       "`client.files.upload` streams the file's MD5, skips the transfer when the service "
       "already has the same bytes, and sends large files in parts. The upload can be used by "
       "any number of tasks."),
    code("""
        uploaded = client.files.upload(SAMPLE, progress=True)
        uploaded.file_id, uploaded.name, uploaded.size, uploaded.instant
        """),
    md("## Choose the French voice\n\nThe most popular enabled French voice:"),
    code("""
        voice = client.voices.frame(lang="fr", enabled_only=True).iloc[0]
        voice[["voice_id", "name", "gender_str", "age_range_str", "emotion_str"]]
        """),
    md("## Translate\n\nCreating the task returns at once with a handle on it:"),
    code("""
        task = client.video.translate(uploaded, "en", "fr", timbre=voice,
                                      name="sample, French dub")
        task
        """),
    md("## Monitor\n\n"
       "The TaskMonitor polls the task from a background thread and shows its status, progress, "
       "elapsed time and an estimate of the time left; the kernel stays free meanwhile."),
    code("""
        monitor = TaskMonitor()
        monitor.add(task, "French dub")
        monitor
        """),
    md("The same in plain Python: `wait` blocks until the task ends, with a progress bar, "
       "and raises if it fails."),
    code("""
        state = task.wait(progress_bar=True)
        state.status, state.process
        """),
    md("The monitor's rows as a DataFrame:"),
    code("monitor.results"),
    md("## Watch the dub"),
    code("""
        dubbed = task.download(OUT / "sample_fr.mp4")
        Video(dubbed, embed=True, width=480)
        """),
    md("Is the dub in time with the original? `media.stack_audio` plays both at once: the "
       "original in the left ear, the dub in the right (use headphones; `mode=\"mix\"` and "
       "`original_gain_db=-12` put the original quietly under the dub instead):"),
    code("""
        both = media.stack_audio(SAMPLE, dubbed, OUT / "sample_en_fr_stacked.mp4")
        Video(both, embed=True, width=480)
        """),
    md("## Transcripts\n\n"
       "What was said, when, and how it was translated (the notebook "
       "`03_analyze_translation_transcripts` goes further):"),
    code("""
        source, translated = task.transcripts()
        source.sentences[["start", "end", "text", "translation"]]
        """),
    md("Both on one time axis:"),
    code("source.plot(other=translated);"),
    md("French subtitles for the dub:"),
    code("""
        srt = translated.save_srt(OUT / "sample_fr.srt")
        print(srt.read_text(encoding="utf-8"))
        """),
    md("How they look on the picture, before burning them for real: "
       "`media.subtitle_preview` burns a Timeline (or an `.srt` file) on an excerpt, here the "
       "first 5 seconds. The dark box hides the English subtitles burned in beneath."),
    code("""
        preview = media.subtitle_preview(dubbed, translated, 0, 5, OUT / "sample_fr_subtitled.mp4")
        Video(preview, embed=True, width=480)
        """),
    md("## Lip sync\n\n"
       "The dub replaced the voice but not the lips. Lip sync re-times the mouth movements of a "
       "video to an audio track. First take the French track out of the dub:"),
    code("""
        track = audio.load(dubbed, name="French dub")
        track.export(OUT / "sample_fr.mp3")
        track
        """),
    md("Then sync the original picture (already uploaded) to it. The monitor above gets a "
       "second row; `wait` blocks here as before."),
    code("""
        lipsync = client.video.lipsync(uploaded, OUT / "sample_fr.mp3", name="sample, French lips")
        monitor.add(lipsync, "lip sync")
        lipsync.wait(progress_bar=True).status
        """),
    md("The dub and the lip-synced clip side by side (`media.side_by_side`: one picture, "
       "each half labelled, the sound of the right one), over the first 5 seconds:"),
    code("""
        synced = lipsync.download(OUT / "sample_fr_lipsync.mp4")
        pair = media.side_by_side(dubbed, synced, OUT / "dub_vs_lipsync.mp4", end=5,
                                  labels=("dub", "lip-synced"))
        Video(pair, embed=True, width=960)
        """),
    md("## What we made\n\nThe three clips compared by `probe`:"),
    code("""
        clips = {"original": SAMPLE, "dubbed": dubbed, "lip-synced": synced}
        pd.DataFrame([probe(path) for path in clips.values()], index=list(clips))[
            ["format", "size", "duration", "width", "height", "fps", "video_codec", "audio_codec"]]
        """),
]

NOTEBOOKS = {
    "01_explore_voices": EXPLORE_VOICES,
    "02_ab_compare_tts": AB_COMPARE_TTS,
    "03_analyze_translation_transcripts": ANALYZE_TRANSCRIPTS,
    "04_draw_erasure_regions": DRAW_ERASURE_REGIONS,
    "05_dub_a_video": DUB_A_VIDEO,
}


def build(stem: str, cells: list[str]) -> nbformat.NotebookNode:
    """A clean notebook: the cells, ids ``<stem>-<n>``, a python3 kernel, nothing else."""
    made = []
    for number, cell in enumerate(cells, 1):
        kind, source = cell.split(":", 1)
        new = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        made.append(new(source, id=f"{stem[:2]}-{number:02d}"))
    notebook = nbformat.v4.new_notebook(cells=made, metadata={
        "kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return notebook


def rendered() -> dict[Path, str]:
    """Each notebook's path and the exact text it should have."""
    texts = {stem: nbformat.writes(build(stem, cells)) for stem, cells in NOTEBOOKS.items()}
    # nbformat.write ends the file with a newline; so does this, so both give the same bytes
    return {NOTEBOOKS_DIR / f"{stem}.ipynb": text.rstrip("\n") + "\n"
            for stem, text in texts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="report notebooks that differ from this source; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for path, text in rendered().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "differ from scripts/make_notebooks.py" if args.check else "written"
    for path in stale:
        print(f"{path.relative_to(NOTEBOOKS_DIR.parent)}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
