"""DiveLab's worker side: the runtime that trains demos (torch lives here), the demo kit and
the demos. It imports the core, never the API side."""
