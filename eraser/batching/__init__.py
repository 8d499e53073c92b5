"""``eraser batch``: many photos, one editing session each.

:func:`eraser.batch` (:func:`eraser.batching.run.batch`) finds the photos
(:mod:`.inputs`), gives each its prompts (:mod:`.jobs`), runs them in worker
processes or on Ray actors that build their backends once (:mod:`.local`,
:mod:`.cluster`), erases each exactly as ``eraser remove`` does
(:mod:`.work`) and returns the report (:mod:`.report`).
"""
