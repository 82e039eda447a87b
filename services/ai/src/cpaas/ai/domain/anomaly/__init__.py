"""Traffic Anomaly and Spam Detection (issue 24), without I/O: the facts one event adds to the
per-minute aggregates (`facts`), the detectors over the aggregates' windows (`detectors`),
the fraud probability model (`fraud`) and the traffic simulator it is trained on
(`simulator`)."""
