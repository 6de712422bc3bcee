"""When and where each output image was taken, and the tags that say so.

- :mod:`~vfx.tagging.tagger`: the metadata stage (positions, headings, GPano per frame)
- :mod:`~vfx.tagging.settings`: what the stage is asked to do (``MetadataOptions``)
- :mod:`~vfx.tagging.clock`: which clock dates the frames; creation time against GPS
- :mod:`~vfx.tagging.plan`: sequences, directions and duplicates, before any frame is decoded
- :mod:`~vfx.tagging.sequences`: street-level sequences, distances, duplicates, bearings
- :mod:`~vfx.tagging.rows`: tags of images derived from frames (``frames.csv`` rows, spans)

The bytes are written by :mod:`vfx.io.exif`; the telemetry comes from :mod:`vfx.telemetry`.
"""
