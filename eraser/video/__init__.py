"""Erasing an object from a video: probe and decode (clip), track (track),
fill from other frames (temporal), encode and remux (writer), the whole run
(erase). PyAV (the ``video`` extra) is imported only inside these modules'
functions."""
