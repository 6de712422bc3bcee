"""The jobs a user asks for, one module each: what a command or a recipe step runs.

A job takes a video or a folder, streams its frames from :mod:`vfx.io` through the pure
operations of :mod:`vfx.ops`, tags what it writes through :mod:`vfx.tagging`, and returns a
result value; it never prints (progress goes to a callback, messages to the ``vfx`` logger).

- :mod:`~vfx.jobs.stills`: keyframes and frames sampled by time or distance
- :mod:`~vfx.jobs.select`: the N most different frames
- :mod:`~vfx.jobs.motion`: motion video, motiongrams, videograms, average, history, QoM
- :mod:`~vfx.jobs.background`, :mod:`~vfx.jobs.masks`, :mod:`~vfx.jobs.composite`,
  :mod:`~vfx.jobs.montage`: the effects, with what they share in :mod:`~vfx.jobs.multiframe`
- :mod:`~vfx.jobs.geotag`: telemetry export, and GPS tags into images already on disk
- :mod:`~vfx.jobs.report`: the HTML page of what a video holds and what vfx made of it
"""
