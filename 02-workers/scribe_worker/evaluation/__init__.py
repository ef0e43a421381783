"""Quality measurement: DER / WER / cpWER (:mod:`.metrics`), ``scribe eval`` (:mod:`.evaluate`)
and the voice bank threshold calibration (:mod:`.calibration`).
"""
