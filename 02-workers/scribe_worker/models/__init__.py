"""Models and where they run: speaker embedders (:mod:`.embeddings`, :mod:`.wespeaker`), model
residency (:mod:`.residency`, one model in memory at a time) and the device (:mod:`.device`).
"""
