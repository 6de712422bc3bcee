"""Video files: open and probe (:mod:`.containers`), the packet index (:mod:`.packets`),
decoding (:mod:`.reader`), GoPro MAX panoramas composed over the reader (:mod:`.panorama`),
the read-ahead thread (:mod:`.prefetch`) and encoding (:mod:`.writer`)."""
