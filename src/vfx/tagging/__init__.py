"""When and where each output image was taken, and the tags that say so.

- :mod:`~vfx.tagging.tagger`: the metadata stage (clock choice, positions, headings, GPano)
- :mod:`~vfx.tagging.sequences`: street-level sequences, distances, duplicates, bearings
- :mod:`~vfx.tagging.rows`: tags of images derived from frames (``frames.csv`` rows, spans)

The bytes are written by :mod:`vfx.io.exif`; the telemetry comes from :mod:`vfx.telemetry`.
"""
