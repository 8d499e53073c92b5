"""Segment everything: SAM's automatic mask generator, on eraser's models.

A grid of single-point prompts over the photo (and over crops of it), each
decoded into three candidate masks; candidates are kept by predicted IoU and
stability, boxes are de-duplicated by non-maximum suppression (our own, in
numpy), small holes and islands are removed, and every mask comes with
SAM's record (bbox, area, predicted IoU, stability score, the point, the
crop box, COCO run-length encoding). The options and defaults are those of
``SamAutomaticMaskGenerator`` (the Ikomia MobileSAM seed lists them).

:mod:`.generator` runs on any segmenter that can embed a crop and decode
points (an :class:`eraser.backends.EverythingSegmenter`, such as the SAM
family's); :mod:`.segmenter` chooses it through the registry, and
:func:`eraser.segment_everything`, ``eraser segment --auto`` and
:meth:`eraser.Session.suggestions` use it.
"""
