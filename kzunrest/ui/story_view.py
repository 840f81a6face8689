"""Story mode: key moments from the price rise to the withdrawal, one step at a time."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from kzunrest import select, viewport
from kzunrest.dataset import Dataset
from kzunrest.ui import lang, map_view, state
from kzunrest.ui.data import dataset_token, day_panel
from kzunrest.ui.text import html_text, link, md

AUTOPLAY_SECONDS = 8


def _move(delta: int, steps: int) -> None:
    st.session_state[state.STEP] = min(max(st.session_state.get(state.STEP, 1) + delta, 1), steps)


def _key_step(delta: int, steps: int) -> None:
    """← or → on the story (read by the map component): the step, its link, the whole page."""
    _move(delta, steps)  # set in a callback, the bound slider writes it to the URL
    st.session_state[state.STORY_KEYED] = True  # the slider lives outside the map's fragment


def render(ds: Dataset, *, present: bool = False) -> None:
    text = lang.text()
    _ = text.gettext
    story = ds.story
    steps = len(story)
    if steps == 0:
        st.info(_("This dataset has no story steps (story.csv is empty)."))
        return
    st.session_state.setdefault(state.STEP, 1)
    if not 1 <= st.session_state[state.STEP] <= steps:
        st.session_state[state.STEP] = 1
    controls = st.columns([1, 1, 6, 2], vertical_alignment="center")
    # ← and → are read by the story's map (see _key_step), not as button shortcuts.
    controls[0].button("◀ " + _("Previous"), key="story_prev", on_click=_move,
                       args=(-1, steps), help=_("Previous step (←)"))
    controls[1].button(_("Next") + " ▶", key="story_next", on_click=_move, args=(1, steps),
                       help=_("Next step (→)"))
    # No format_func: a bound widget writes its label into the URL, and the link says step=7.
    controls[2].select_slider(_("Step (of {n})").format(n=steps), options=list(range(1, steps + 1)),
                              key=state.STEP, bind="query-params")
    autoplay = controls[3].toggle(_("Autoplay"), key=state.AUTOPLAY,
                                  help=_("Next step every {n} s").format(n=AUTOPLAY_SECONDS))

    # A full run (Next, Previous, the slider) shows its step without advancing; only the
    # timer's own reruns of the fragment below move on.
    st.session_state[state.STORY_TICKED] = False

    @st.fragment(run_every=AUTOPLAY_SECONDS if autoplay else None)
    def show() -> None:
        if st.session_state.pop(state.STORY_KEYED, False):
            st.rerun(scope="app")  # the step slider and the buttons live outside this fragment
        if autoplay and st.session_state.pop(state.STORY_TICKED, False):
            if st.session_state[state.STEP] < steps:
                _move(1, steps)
                # Not st.query_params["step"]: Streamlit refuses to set a parameter bound to a
                # widget (the exception stopped Autoplay after its first 8 s).
                st.rerun(scope="app")  # the step slider lives outside this fragment
        st.session_state[state.STORY_TICKED] = True
        step = story.iloc[st.session_state[state.STEP] - 1]
        day = step["date"].date()
        shown = [x for x in str(step["layers"]).split("|") if x]
        left, right = st.columns([3, 2] if present else [3, 1.4])
        with left:
            map_view.fixed_map(ds, key="story_map", day=day, shown=shown,
                               basemap=map_view.current_basemap(), fit=step_area(ds, step),
                               seq=int(step["step"]),
                               height="max(420px, calc(100vh - 240px))",
                               on_step=partial(_key_step, steps=steps))
        with right:
            caption(step, present)
            counts = day_panel(ds, dataset_token(ds), select.Filters(), day)["counts"]
            c1, c2 = st.columns(2)
            c1.metric(_("Events so far"), counts["so_far"])
            c2.metric(_("Regions reached"), _("{n} of {total}").format(n=counts["regions"],
                                                                      total=len(ds.regions)))

    show()


# A story step's camera is written for a map of this size; a camera this far out shows the
# whole country, and is refitted to the regions on any screen.
STEP_CAMERA_SIZE = (1200, 700)
COUNTRY_ZOOM = 4.5


def step_area(ds: Dataset, step: pd.Series) -> list[float]:
    """The area a step's caption talks about, to be fitted to the viewer's own map size: so
    a wide screen does not cut off the west and a laptop does not crop the east."""
    if float(step["zoom"]) <= COUNTRY_ZOOM:
        return [float(b) for b in ds.regions.total_bounds]
    view = viewport.View(float(step["longitude"]), float(step["latitude"]), float(step["zoom"]))
    return [round(b, 4) for b in viewport.bounds_of(view, *STEP_CAMERA_SIZE)]


def caption(step: pd.Series, present: bool) -> None:
    text = lang.text()
    _ = text.gettext
    size = "2.1rem" if present else "1.25rem"
    st.markdown("#### " + text.date(step["date"], "full"))
    st.markdown(f"## {md(step['title'])}")
    # The caption's size is ours; its text is escaped.
    # The story is written in English: lang="en" lets a screen reader say it so.
    st.markdown(f'<div class="kz-caption" lang="en" style="font-size:{size};line-height:1.35">'
                f"{html_text(step['caption'])}</div>", unsafe_allow_html=True)
    note = " " + _("(the story is written in English)") if text.lang != "en" else ""
    st.markdown(_("Source: {link}").format(link=link(_("report"), step["source_url"].split()[0]))
                + md(note))
