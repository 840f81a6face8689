"""An animated GIF of the spread, for slides: one frame a day.

The GIF is drawn without a browser: geopandas and matplotlib's Agg canvas, one figure per
frame and no pyplot state, so it runs in a CLI, a test or a Streamlit worker alike. Colours
come from the same places as the map's (``layers.onset_colors``, ``vocab.type_colors``), and
the projection and view are derived from the dataset's regions, not from constants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image
from pyproj import Transformer

from kzunrest import layers, select
from kzunrest.dataset import Dataset
from kzunrest.i18n import ENGLISH, Text, term
from kzunrest.names import Names
from kzunrest.vocab import type_colors

ATTRIBUTION = "kzunrest · sources in data/README.md · GeoNames CC BY 4.0"
UNKNOWN_TYPE_COLOR = "#8C8C8C"
BACKGROUND = "#eef0f2"  # the offline basemap's colour
UNREACHED_FILL = "#ffffff"
OUTLINE = "#505050"
ONSET_ALPHA = 150 / 255  # as the map's spread layer
TRAIL_ALPHA = 0.3  # as the map's events-trail layer
VIEW_MARGIN = 0.06  # share of the regions' extent added on each side of the view
ARC_BEND = 0.2  # how far an arc bows out, as a share of its length
# Figure layout in figure fractions: (left, bottom, width, height).
MAP_BOX = (0.01, 0.10, 0.76, 0.73)
LEGEND_BOX = (0.78, 0.05, 0.21, 0.78)
TIMELINE_BOX = (0.06, 0.045, 0.66, 0.05)
HALO = [patheffects.withStroke(linewidth=3, foreground="white")]  # labels over lines
BASE_WIDTH_IN = 12.0  # fonts are sized for 12 inches; the dpi scales them to ``size``


def _hex_rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    r, g, b, _ = layers.hex_to_rgb(color)
    return (r / 255, g / 255, b / 255, alpha)


EMERGENCY_EDGE = tuple(c / 255 for c in layers.EMERGENCY_COLOR)
PHASE_EDGE = {phase: _hex_rgba("#{:02x}{:02x}{:02x}".format(*rgb))
              for phase, rgb in layers.PHASE_COLORS.items()}


def day_title(day: dt.date, text: Text = ENGLISH) -> str:
    """The frame's title: ``Wed 5 January 2022`` (in ``text``'s language)."""
    if text.lang != "en":
        return text.date(day, "full")
    return f"{day:%a} {day.day} {day:%B %Y}"


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    if start > end:
        raise ValueError(f"start {start:%Y-%m-%d} is after end {end:%Y-%m-%d}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


class _Scene:
    """What stays the same from one frame to the next: projection, view, colours, legend."""

    def __init__(self, ds: Dataset, events: pd.DataFrame, start: dt.date, end: dt.date,
                 size: tuple[int, int], text: Text = ENGLISH,
                 names: Names | None = None) -> None:
        self.ds = ds
        self.text = text  # the frame's words: DejaVu Sans, matplotlib's font, has Kazakh letters
        self.names = names
        self.size = size
        lon0, lat0, lon1, lat1 = ds.regions.to_crs(4326).total_bounds
        # A conic projection fitted to the regions: their shape as on an atlas page.
        self.crs = (f"+proj=lcc +lat_0={(lat0 + lat1) / 2:.3f} +lon_0={(lon0 + lon1) / 2:.3f} "
                    f"+lat_1={lat0 + (lat1 - lat0) / 6:.3f} +lat_2={lat1 - (lat1 - lat0) / 6:.3f} "
                    "+datum=WGS84 +units=m +no_defs")
        self.to_map = Transformer.from_crs(4326, self.crs, always_xy=True)
        self.regions = ds.regions.to_crs(self.crs)
        self.region_count = len(self.regions)
        self.country = shapely.union_all(self.regions.geometry.values)
        self.view = self._view()

        events = events.dropna(subset=["latitude", "longitude"])
        x, y = self.to_map.transform(events["longitude"].to_numpy(float),
                                     events["latitude"].to_numpy(float))
        self.events = events.assign(_x=x, _y=y)
        self.type_colors = type_colors(ds.event_types)
        # Onset over the whole (filtered) event set, not the frames' range: a region keeps its
        # colour from frame to frame and matches the map.
        self.onset = select.onset_by_region(events)
        self.onset_colors = layers.onset_colors(self.onset)
        self.days = _days(start, end)
        self.daily = events.groupby("event_date").size()

    # -- legend content -------------------------------------------------------------------
    def legend_types(self) -> list[tuple[str, str]]:
        present = set(self.events["event_type"])
        known = [(t, c) for t, c in self.type_colors.items() if t in present]
        extra = sorted(present - set(self.type_colors))
        return [(term(self.text, t), c)
                for t, c in known + [(t, UNKNOWN_TYPE_COLOR) for t in extra]]

    def legend_onset(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for region, day in self.onset.items():
            label = (f"{day:%a} {day.day} {day:%b}" if self.text.lang == "en"
                     else self.text.date(day, "weekday_short"))
            seen.setdefault(label, self.onset_colors[region])
        return list(seen.items())

    def counts_line(self, counts: dict, emergency: pd.DataFrame, csto: pd.DataFrame) -> str:
        """The day's figures under the title."""
        t = self.text
        _, n_ = t.gettext, t.ngettext
        return "  ·  ".join([
            n_("{n} event this day", "{n} events this day", counts["today"]).format(
                n=t.number(counts["today"])),
            _("{n} so far").format(n=t.number(counts["so_far"])),
            _("{n} of {total} regions reached").format(n=counts["regions"],
                                                      total=self.region_count),
            _emergency_text(emergency, t),
            n_("{n} CSTO contingent present", "{n} CSTO contingents present",
               len(csto)).format(n=len(csto)),
        ])

    def key_colors(self) -> list[str | tuple]:
        """Colours that must survive the GIF's palette exactly, as drawn on white."""
        keys: list[str | tuple] = ["#ffffff", "#000000", BACKGROUND, OUTLINE, "#444444",
                                   "#707070", "#303030", "#a0a0a0", "#dddddd", "#555555"]
        keys += [c for _, c in self.legend_types()]
        keys += [_over_white(_hex_rgba(c, TRAIL_ALPHA)) for _, c in self.legend_types()]
        keys += [_over_white(_hex_rgba(c, ONSET_ALPHA)) for _, c in self.legend_onset()]
        keys += [_over_white(EMERGENCY_EDGE)] + list(PHASE_EDGE.values())
        return keys

    # -- drawing --------------------------------------------------------------------------
    def draw(self, day: dt.date) -> np.ndarray:
        """One frame as an RGB array of ``size``."""
        width, height = self.size
        dpi = width / BASE_WIDTH_IN
        fig = Figure(figsize=(BASE_WIDTH_IN, height / dpi), dpi=dpi, facecolor="white")
        canvas = FigureCanvasAgg(fig)
        d = pd.Timestamp(day)

        ax = fig.add_axes(MAP_BOX)
        ax.set_facecolor(BACKGROUND)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("#c8c8c8")
        self._set_view(ax)

        reached = {r for r, t in self.onset.items() if t <= d}
        fills = [_hex_rgba(self.onset_colors[r], ONSET_ALPHA) if r in reached
                 else _hex_rgba(UNREACHED_FILL) for r in self.regions["admin1"]]
        self.regions.plot(ax=ax, color=fills, edgecolor=OUTLINE, linewidth=0.7, zorder=1)

        emergency = select.active_on(self.ds.emergency, day, "start_date", "end_date",
                                     "end_time")
        shapes = self._period_shapes(emergency)
        if not shapes.empty:
            shapes.boundary.plot(ax=ax, color=to_hex(EMERGENCY_EDGE, keep_alpha=True),
                                 linewidth=2.0, zorder=2)

        csto = select.contingents_on(self.ds.contingents, day)
        self._draw_arcs(ax, csto)
        self._draw_events(ax, d)
        ax.set_aspect("equal")
        ax.set_xlabel("")  # geopandas names the projected axes; the map needs no axes
        ax.set_ylabel("")
        self._set_view(ax)  # plotting may have widened the limits

        counts = select.events_timeline(self.events, day)
        fig.text(0.015, 0.955, day_title(day, self.text), fontsize=22, fontweight="bold",
                 va="center")
        fig.text(0.015, 0.905, self.counts_line(counts, emergency, csto), fontsize=12,
                 va="center")
        fig.text(0.015, 0.862, _csto_line(csto, self.text), fontsize=11, va="center",
                 color="#444444")
        fig.text(0.015, 0.012, ATTRIBUTION, fontsize=8, color="#707070", va="bottom")

        self._draw_legend(fig.add_axes(LEGEND_BOX))
        self._draw_timeline(fig.add_axes(TIMELINE_BOX), d)

        canvas.draw()
        rgb = np.asarray(canvas.buffer_rgba())[..., :3]
        if rgb.shape[:2] != (height, width):  # a pixel lost to rounding of odd sizes
            rgb = np.asarray(Image.fromarray(rgb).resize((width, height)))
        return rgb.copy()

    def _view(self) -> tuple[float, float, float, float]:
        """``x0, x1, y0, y1``: the regions plus a margin, widened to the map box's shape."""
        x0, y0, x1, y1 = self.regions.total_bounds
        mx, my = (x1 - x0) * VIEW_MARGIN, (y1 - y0) * VIEW_MARGIN
        x0, x1, y0, y1 = x0 - mx, x1 + mx, y0 - my, y1 + my
        box_ratio = (MAP_BOX[2] * self.size[0]) / (MAP_BOX[3] * self.size[1])
        w, h = x1 - x0, y1 - y0
        if w / h < box_ratio:
            grow = (h * box_ratio - w) / 2
            return x0 - grow, x1 + grow, y0, y1
        grow = (w / box_ratio - h) / 2
        return x0, x1, y0 - grow, y1 + grow

    def _set_view(self, ax) -> None:
        x0, x1, y0, y1 = self.view
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)

    def _period_shapes(self, periods: pd.DataFrame) -> gpd.GeoSeries:
        """One shape per period row: its region, or the whole country when ``admin1`` is blank."""
        geoms = dict(zip(self.regions["admin1"], self.regions.geometry, strict=True))
        shapes = [geoms.get(a, self.country) if a else self.country
                  for a in periods["admin1"].fillna("")]
        return gpd.GeoSeries(shapes, crs=self.crs)

    def _draw_events(self, ax, d: pd.Timestamp) -> None:
        earlier = self.events[self.events["event_date"] < d]
        today = self.events[self.events["event_date"] == d]
        for frame, alpha, edge, z in ((earlier, TRAIL_ALPHA, "none", 4),
                                      (today, 1.0, "white", 5)):
            if frame.empty:
                continue
            colors = [_hex_rgba(self.type_colors.get(t, UNKNOWN_TYPE_COLOR), alpha)
                      for t in frame["event_type"]]
            ax.scatter(frame["_x"], frame["_y"], s=_marker_area(frame["fatalities"]), c=colors,
                       edgecolors=edge, linewidths=0.8, zorder=z)

    def _draw_arcs(self, ax, csto: pd.DataFrame) -> None:
        x0, x1, y0, y1 = self.view
        # Label positions in view fractions, so that labels of arcs that enter the view side
        # by side (Russia and Belarus from the north-west) do not print over each other.
        placed: list[tuple[float, float]] = []
        for _, c in csto.iterrows():
            xs, ys = self.to_map.transform([c["origin_lon"], c["destination_lon"]],
                                           [c["origin_lat"], c["destination_lat"]])
            px, py = _arc((xs[0], ys[0]), (xs[1], ys[1]))
            color = PHASE_EDGE[c["phase"]]
            width = 3.0 if c["phase"] != "present" else 2.0
            ax.plot(px, py, color=color, linewidth=width, solid_capstyle="round", zorder=3)
            ax.plot(px[:1], py[:1], "o", color=color, markersize=4, zorder=3)
            fx, fy = (px - x0) / (x1 - x0), (py - y0) / (y1 - y0)
            # Name the contingent where its arc enters the view, or at its home if in view.
            candidates = np.flatnonzero((fx > 0.01) & (fx < 0.97) & (fy > 0.03) & (fy < 0.97))
            for i in candidates[: len(px) // 2]:
                if all(abs(fx[i] - u) > 0.1 or abs(fy[i] - v) > 0.05 for u, v in placed):
                    placed.append((fx[i], fy[i]))
                    # The name runs towards the middle of the view, so none is cut at an edge.
                    left, low = fx[i] < 0.5, fy[i] < 0.5
                    ax.annotate(c["country"], (px[i], py[i]),
                                xytext=(5 if left else -5, 3 if low else -3),
                                textcoords="offset points", fontsize=9, color=color,
                                fontweight="bold", ha="left" if left else "right",
                                va="bottom" if low else "top", zorder=6, path_effects=HALO)
                    break

    def _draw_legend(self, ax) -> None:
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        _ = self.text.gettext
        rows: list[tuple[str, str, object]] = [("head", _("Events"), None)]
        rows += [("dot", name, color) for name, color in self.legend_types()]
        rows += [("dot", _("this day"), "#555555"),
                 ("faded", _("earlier days"), "#555555"),
                 ("gap", "", None), ("head", _("First event in region"), None)]
        rows += [("fill", label, color) for label, color in self.legend_onset()]
        rows += [("fill", _("not reached"), UNREACHED_FILL),
                 ("gap", "", None), ("head", _("State of emergency"), None),
                 ("outline", _("in force"), EMERGENCY_EDGE),
                 ("gap", "", None), ("head", _("CSTO contingent"), None)]
        rows += [("line", term(self.text, phase), PHASE_EDGE[phase])
                 for phase in layers.PHASE_COLORS]
        step = min(0.045, 1 / max(len(rows), 1))
        y = 1.0
        for kind, label, color in rows:
            y -= step * (0.5 if kind == "gap" else 1)
            if kind == "head":
                ax.text(0.0, y, label, fontsize=11, fontweight="bold", va="center")
                continue
            if kind in ("dot", "faded"):
                alpha = TRAIL_ALPHA if kind == "faded" else 1.0
                ax.scatter([0.05], [y], s=70, c=[_hex_rgba(color, alpha)],
                           edgecolors="white" if kind == "dot" else "none", linewidths=0.8)
            elif kind == "fill":
                fill = _hex_rgba(color, ONSET_ALPHA) if color != UNREACHED_FILL else color
                ax.add_patch(_swatch(y, step, facecolor=fill, edgecolor=OUTLINE, lw=0.7))
            elif kind == "outline":
                ax.add_patch(_swatch(y, step, facecolor="none", edgecolor=color, lw=2.0))
            elif kind == "line":
                ax.plot([0.0, 0.1], [y, y], color=color, linewidth=3, solid_capstyle="round")
            if kind != "gap":
                ax.text(0.15, y, label, fontsize=10, va="center")

    def _draw_timeline(self, ax, d: pd.Timestamp) -> None:
        days = [pd.Timestamp(x) for x in self.days]
        counts = [int(self.daily.get(x, 0)) for x in days]
        colors = ["#303030" if x == d else ("#a0a0a0" if x < d else "#dddddd") for x in days]
        ax.bar(range(len(days)), counts, color=colors, width=0.8)
        ax.set_xlim(-0.6, len(days) - 0.4)
        ax.set_ylim(0, max(max(counts, default=0), 1))
        ax.set_axis_off()
        t = self.text
        ax.text(-0.8, 0, t.date(days[0], "short"), fontsize=8, ha="right", va="bottom",
                color="#707070")
        ax.text(len(days) - 0.2, 0, t.date(days[-1], "short") + "  " + t.gettext(
            "events per day"), fontsize=8,
                ha="left", va="bottom", color="#707070")


def _over_white(rgba: tuple[float, float, float, float]) -> tuple[float, float, float]:
    *rgb, a = rgba
    return tuple(a * v + (1 - a) for v in rgb)


def _swatch(y: float, step: float, **style) -> Rectangle:
    h = step * 0.7
    return Rectangle((0.0, y - h / 2), 0.1, h, **style)


def _marker_area(fatalities: pd.Series) -> np.ndarray:
    """Marker area (pt²) growing with the toll, like the map's radius; 0 and unknown alike."""
    f = pd.to_numeric(fatalities, errors="coerce").fillna(0).clip(0, 30).to_numpy(float)
    radius = 3.5 + 1.5 * np.sqrt(f)
    return (2 * radius) ** 2


def _arc(a: tuple[float, float], b: tuple[float, float], n: int = 48):
    """A quadratic Bézier from ``a`` to ``b`` bowing to the left of the direction of travel."""
    (ax_, ay), (bx, by) = a, b
    dx, dy = bx - ax_, by - ay
    cx, cy = (ax_ + bx) / 2 - dy * ARC_BEND, (ay + by) / 2 + dx * ARC_BEND
    t = np.linspace(0, 1, n)
    px = (1 - t) ** 2 * ax_ + 2 * (1 - t) * t * cx + t ** 2 * bx
    py = (1 - t) ** 2 * ay + 2 * (1 - t) * t * cy + t ** 2 * by
    return px, py


def _emergency_text(periods: pd.DataFrame, text: Text = ENGLISH) -> str:
    _ = text.gettext
    where = set(periods["admin1"].fillna(""))
    if "" in where:
        return _("emergency nationwide")
    if not where:
        return _("no emergency")
    return text.ngettext("emergency in {n} region", "emergency in {n} regions",
                         len(where)).format(n=len(where))


def _csto_line(csto: pd.DataFrame, text: Text = ENGLISH) -> str:
    """``CSTO · present: Russia · leaving: Belarus, Armenia``, phases in the map's order."""
    _ = text.gettext
    if csto.empty:
        return _("CSTO: no contingent in the country")
    parts = [f"{term(text, phase)}: " + ", ".join(csto.loc[csto["phase"] == phase, "country"])
             for phase in layers.PHASE_COLORS if (csto["phase"] == phase).any()]
    return "  ·  ".join([_("CSTO"), *parts])


def _palette_gif(frames: list[np.ndarray], out: Path, seconds_per_frame: float,
                 key_colors: list[str]) -> None:
    """Write frames as a looping GIF with one palette shared by all frames (no flicker).

    The palette starts with ``key_colors`` exactly, so that small legend swatches keep their
    colour (a median cut of a mostly white picture would merge neighbouring oranges), and is
    completed by a median cut of a few frames for the anti-aliased edges.
    """
    keys = list(dict.fromkeys(tuple(int(v * 255 + 0.5) for v in to_rgba(c)[:3])
                              for c in key_colors))[:128]
    sample = frames if len(frames) <= 6 else [frames[i] for i in
                                              np.linspace(0, len(frames) - 1, 6).astype(int)]
    cut = Image.fromarray(np.concatenate(sample, axis=0)).quantize(
        colors=256 - len(keys), method=Image.Quantize.MEDIANCUT)
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for rgb in keys for v in rgb]
                       + cut.getpalette()[: 3 * (256 - len(keys))])
    images = [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE)
              for f in frames]
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:],
                   duration=max(int(round(seconds_per_frame * 1000)), 20), loop=0,
                   optimize=False, disposal=1)


def render_gif(ds: Dataset, out: Path, start: dt.date, end: dt.date, *,
               events: pd.DataFrame | None = None, size: tuple[int, int] = (1200, 800),
               seconds_per_frame: float = 1.0,
               progress: Callable[[int, int], None] | None = None,
               text: Text = ENGLISH, names: Names | None = None) -> Path:
    """Draw one frame per day from ``start`` to ``end`` (inclusive) and write a looping GIF.

    Each frame shows the regions (reached ones filled by onset day), the events so far (that
    day's bright, earlier ones faded), regions under a state of emergency outlined in red, the
    CSTO contingents in the country as arcs from home, the date, the day's counts and a legend.
    ``events`` defaults to ``ds.events`` (pass a filtered frame to animate a selection).
    ``progress(done, total)`` is called after each frame is drawn. ``text`` is the frames'
    language (``names`` their region names).

    >>> render_gif(ds, Path("spread.gif"), date(2022, 1, 2), date(2022, 1, 19))  # doctest: +SKIP
    PosixPath('spread.gif')
    """
    width, height = (int(v) for v in size)
    if width < 200 or height < 150:
        raise ValueError(f"size {width}x{height} is too small to read (at least 200x150)")
    if seconds_per_frame <= 0:
        raise ValueError(f"seconds_per_frame must be positive, got {seconds_per_frame}")
    out = Path(out)
    scene = _Scene(ds, ds.events if events is None else events, start, end, (width, height),
                   text, names)
    frames = []
    for i, day in enumerate(scene.days, start=1):
        frames.append(scene.draw(day))
        if progress is not None:
            progress(i, len(scene.days))
    out.parent.mkdir(parents=True, exist_ok=True)
    _palette_gif(frames, out, seconds_per_frame, scene.key_colors())
    return out
