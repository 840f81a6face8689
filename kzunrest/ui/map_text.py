"""The map component's words, in the viewer's language: labels of its controls, the day
summary of every day (with plurals done by gettext here, not in JavaScript), names of regions,
places and types for its tooltips and cards. The component writes them with textContent."""

from __future__ import annotations

from kzunrest import layers
from kzunrest.i18n import N_, Text, term
from kzunrest.names import Names

# layers.PRECISION_TEXT and TIME_PRECISION_TEXT, for the catalogues (a test keeps them equal).
PRECISION_WORDS = (N_("exact position"), N_("placed at the city: exact position not published"),
                   N_("area only: exact position not published"), N_("day known"),
                   N_("day approximate (within a few days)"),
                   N_("known only to a span of days"))


def component_text(spec: dict, text: Text, names: Names, types=()) -> dict:
    """Everything the component says, for ``spec``'s days and the dataset's event ``types``."""
    _ = text.gettext
    lang = text.lang
    days = [_day_text(s, text) for s in spec.get("summary", [])]
    return {
        "lang": lang if lang in ("en", "kk", "ru") else "en",
        "map": _("Map of the unrest, day by day"),
        "prev": _("Previous day"), "prev_key": _("Previous day (←)"),
        "next": _("Next day"), "next_key": _("Next day (→)"),
        "day": _("Day"), "play": _("Play"), "pause": _("Pause"),
        "speed": _("Speed"), "mode": _("Mode"),
        "modes": {"cumulative": _("Trail of earlier days"), "day": _("This day only")},
        "speeds": {"slow": _("slow"), "normal": _("normal"), "fast": _("fast")},
        "legend": _("Legend"), "event": _("Event"), "close": _("Close"),
        "actors": _("Actors"), "deaths": _("Deaths"), "unknown": _("unknown"),
        "source": _("Source"), "sources": _("Sources"),
        "notes": _("What happened (in English, as in the source)"),
        "id": _("id"),
        "disputed": _("Disputed: sources differ"),
        "disputed_note": _("The map shows the version in the dataset's row."),
        "precision": {v: _(v) for v in [*layers.PRECISION_TEXT.values(),
                                         *layers.TIME_PRECISION_TEXT.values()]},
        "types": {t: term(text, t) for t in types},
        "regions": {a: names.region(a, lang) for a in names.regions},
        "places": {p: names.place(p, lang) for p in names.places},
        "days": days,
    }


def _day_text(s: dict, text: Text) -> dict:
    """One day's summary: the date, the figures over the map, and the sentence a screen reader
    hears when the viewer steps to the day."""
    _, n_ = text.gettext, text.ngettext
    num = text.number
    stats = [
        [num(s["today"]), n_("event this day", "events this day", s["today"])],
        [num(s["so_far"]), _("so far")],
        [f"{s['regions']}/{s['regions_total']}", _("regions reached")],
    ]
    if s["contingents"]:
        stats.append([num(s["contingents"]), n_("CSTO contingent in the country",
                                               "CSTO contingents in the country",
                                               s["contingents"])])
    extra = []
    if s["emergency"]:
        extra.append(n_("State of emergency: {n} region", "State of emergency: {n} regions",
                        s["emergency"]).format(n=s["emergency"]))
    if s["blackout"]:
        extra.append(_("Internet shutdown: {where}").format(where=", ".join(s["blackout"])))
    sentence = [s["label"],
                n_("{n} event this day", "{n} events this day", s["today"]).format(
                    n=num(s["today"])),
                _("{n} so far").format(n=num(s["so_far"])),
                _("{n} of {total} regions reached").format(n=s["regions"],
                                                          total=s["regions_total"])]
    if s["contingents"]:
        sentence.append(n_("CSTO: {n} contingent in the country",
                           "CSTO: {n} contingents in the country",
                           s["contingents"]).format(n=s["contingents"]))
    sentence += extra
    return {"label": s["label"], "stats": stats, "extra": " · ".join(extra),
            "sentence": " · ".join(sentence)}
