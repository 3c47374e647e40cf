"""Receipt printer and ID-card reader drivers, receipt layout and renderers, device simulators (issue: devices). Empty until then."""
