"""All file, container and subprocess IO of vfx lives in this package.

Modules: ``video`` (PyAV: probe, packet index, frames), ``images`` (atomic image writers and
readers), ``table`` (frames.csv), ``sources`` (a video or a folder as a frame source),
``magick`` (the ImageMagick engine through Wand). Import them directly; this package imports
nothing, so that jobs on images never load PyAV.
"""
