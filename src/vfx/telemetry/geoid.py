"""Heights above mean sea level: the EGM96 geoid.

GPS receivers (GoPro GPS5/GPS9, CAMM) give heights above the WGS 84 ellipsoid; EXIF's
``GPSAltitude`` and GPX's ``<ele>`` are heights above mean sea level, which the EGM96 geoid
models. The two differ by the geoid undulation N (from -107 to +85 m over the Earth; about
-35 m on the Californian coast, where an ellipsoidal height of -19.5 m on a beach is 15 m
above the sea): ``H = h - N``.

N comes from EGM96's 15-minute grid, ``egm96_15.gtx``, which Debian's ``proj-data`` package
installs (``/usr/share/proj``; ``make`` installs it with the other Debian packages), read by
PROJ through pyproj (bilinear). vfx never downloads it; without it, heights stay ellipsoidal
and the caller says so.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vfx.telemetry.track import GpsTrack

__all__ = ["ALT_DATUM", "GRID_NAME", "Geoid", "find_geoid", "track_heights"]

#: EGM96 on a 15-minute grid, as PROJ names it.
GRID_NAME = "egm96_15.gtx"
#: Where the grid is looked for after ``$VFX_GEOID_GRID``: Debian's proj-data, then PROJ's
#: own data folder of the pyproj wheel (where ``projsync`` would put it).
_FOLDERS = (Path("/usr/share/proj"), Path("/usr/local/share/proj"))


@dataclass
class Geoid:
    """The EGM96 geoid from the grid file ``path``. Safe to share between threads."""

    path: Path
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def _transformer(self):  # type: ignore[no-untyped-def]
        made = getattr(self._local, "transformer", None)
        if made is None:
            from pyproj import Transformer

            # lat, lon in degrees and a height of 0 in: N out (vgridshift adds the grid)
            made = self._local.transformer = Transformer.from_pipeline(
                "+proj=pipeline +step +proj=axisswap +order=2,1 "
                "+step +proj=unitconvert +xy_in=deg +xy_out=rad "
                f"+step +proj=vgridshift +grids={self.path} +multiplier=1 "
                "+step +proj=unitconvert +xy_in=rad +xy_out=deg +step +proj=axisswap +order=2,1"
            )
        return made

    def undulation(self, lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
        """N, the geoid's height above the WGS 84 ellipsoid in metres (NaN where the
        position is not finite)."""
        lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat, lon = np.broadcast_arrays(lat, lon)
        out = np.full(lat.shape, np.nan)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            _, _, n = self._transformer().transform(lat[ok], lon[ok], np.zeros(int(ok.sum())))
            out[ok] = np.where(np.isfinite(n), n, np.nan)
        return out

    def above_sea_level(
        self, lat: np.ndarray | float, lon: np.ndarray | float, height: np.ndarray | float
    ) -> np.ndarray:
        """The height above mean sea level (EGM96) of ``height`` above the ellipsoid."""
        return np.asarray(height, dtype=np.float64) - self.undulation(lat, lon)


def find_geoid() -> Geoid | None:
    """The EGM96 grid on this machine (``$VFX_GEOID_GRID``, else ``egm96_15.gtx`` in Debian's
    ``/usr/share/proj`` or pyproj's data folder), or None."""
    chosen = os.environ.get("VFX_GEOID_GRID")
    if chosen:
        path = Path(chosen)
        return Geoid(path) if path.is_file() else None
    folders = list(_FOLDERS)
    try:
        from pyproj.datadir import get_data_dir

        folders.extend(Path(p) for p in get_data_dir().split(os.pathsep))
    except Exception:  # pyproj without a data folder: the system folders are enough
        pass
    for folder in folders:
        if (folder / GRID_NAME).is_file():
            return Geoid(folder / GRID_NAME)
    return None


#: What each GPS source's altitude is measured from. GoPro's GPS5/GPS9 and CAMM give the
#: receiver's height above the WGS 84 ellipsoid (at the HERO7 clip's beach, -19.5 m: the geoid
#: lies about 35 m below the ellipsoid there); the Karma's flight controller (MAVLink
#: GLOBAL_POSITION_INT) gives height above mean sea level. GPX and exiftool's readings do not
#: say. Ellipsoidal heights become heights above sea level (``EGM96``) where the grid is
#: installed (:func:`track_heights`, and the tagger frame by frame).
ALT_DATUM = {
    "gpmf GPS5": "ellipsoid",
    "gpmf GPS9": "ellipsoid",
    "camm 5": "ellipsoid",
    "camm 6": "ellipsoid",
    "gpmf GLPI": "sea level",
}


def track_heights(track: GpsTrack, geoid: Geoid | None) -> tuple[np.ndarray, str, np.ndarray]:
    """The heights of ``track``'s fixes as vfx writes them: ``(heights, datum, ellipsoidal)``.

    Ellipsoidal heights become heights above sea level (datum ``EGM96``) with ``geoid``;
    ``ellipsoidal`` then holds the receiver's own heights, else it is all NaN.
    """
    datum = ALT_DATUM.get(track.source, "unknown")
    unknown = np.full(len(track), np.nan)
    if datum == "ellipsoid" and geoid is not None:
        return geoid.above_sea_level(track.lat, track.lon, track.alt), "EGM96", track.alt
    return track.alt, datum, unknown
