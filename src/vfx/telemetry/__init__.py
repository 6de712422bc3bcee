"""Camera telemetry: readers of what a video carries (GoPro GPMF :mod:`.gpmf`, Google CAMM
:mod:`.camm`, the Mi Sphere ``madv`` box :mod:`.madv`, spherical metadata :mod:`.spherical`,
whatever exiftool finds :mod:`.embedded`; :mod:`.reader` picks them), track files a user
brings (:mod:`.trackfiles`), the data types and interpolation (:mod:`.track`) and exports
(:mod:`.export`). The MP4 box walker they read through is :mod:`vfx.io.mp4`."""
