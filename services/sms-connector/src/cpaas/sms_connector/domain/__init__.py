"""Pure SMS logic: status mapping, receipt parsing, text segmentation. No I/O."""
