"""Cameras fitted to a dataset: the longitude, latitude and zoom at which an area fills a map.

deck.gl draws Web Mercator with 512-pixel tiles: at zoom ``z`` the whole world is
``512 * 2**z`` pixels wide. Fitting happens in Mercator units, so the centre is the centre
a viewer sees (not the midpoint of the latitudes, which lies lower on the screen).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TILE = 512  # deck.gl's pixels per world width at zoom 0
MAX_ZOOM = 20.0
# What a dataset's camera is fitted for: the map on the Map page of a 1920x1080 screen.
DEFAULT_SIZE = (1200, 700)


@dataclass(frozen=True)
class View:
    """A camera: the map's centre (degrees) and deck.gl zoom."""

    longitude: float
    latitude: float
    zoom: float


def _mercator_y(lat: float) -> float:
    """Latitude to Mercator y, in world widths (the equator is 0)."""
    lat = max(min(lat, 85.0511), -85.0511)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)


def _latitude(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y * 2 * math.pi)) - math.pi / 2)


def fit_bounds(bounds: tuple[float, float, float, float], width: int, height: int,
               padding: float = 0.04) -> View:
    """The camera at which ``bounds`` (min lon, min lat, max lon, max lat) fill a map of
    ``width`` x ``height`` pixels, leaving ``padding`` (a share of each side) free.

    >>> fit_bounds((-10, -10, 10, 10), 1024, 1024, padding=0)
    View(longitude=0.0, latitude=0.0, zoom=5.16)
    >>> fit_bounds((50, 40, 70, 50), 1200, 700).longitude
    60.0
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"map size must be positive, got {width}x{height}")
    x0, y0, x1, y1 = (float(b) for b in bounds)
    dx = (x1 - x0) / 360
    dy = _mercator_y(y1) - _mercator_y(y0)
    usable = 1 - 2 * padding
    fits = [math.log2(usable * side / (TILE * span))
            for side, span in ((width, dx), (height, dy)) if span > 0]
    zoom = min(min(fits, default=MAX_ZOOM), MAX_ZOOM)  # a single point: as close as allowed
    latitude = _latitude((_mercator_y(y0) + _mercator_y(y1)) / 2)
    return View(round((x0 + x1) / 2, 4), round(latitude, 4), round(max(zoom, 0.0), 2))


def bounds_of(view: View, width: int, height: int) -> tuple[float, float, float, float]:
    """The area (min lon, min lat, max lon, max lat) a camera shows on a map of ``width`` x
    ``height`` pixels: the inverse of :func:`fit_bounds`, so a camera written for one screen
    can be refitted to another.

    >>> [round(v, 1) for v in bounds_of(fit_bounds((50, 40, 70, 50), 1200, 700, 0), 1200, 700)]
    [47.9, 40.0, 72.1, 50.0]
    """
    world = TILE * 2 ** view.zoom
    dx = width / world * 360
    cy = _mercator_y(view.latitude)
    dy = height / world
    return (view.longitude - dx / 2, _latitude(cy - dy / 2),
            view.longitude + dx / 2, _latitude(cy + dy / 2))
