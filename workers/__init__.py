"""DiveLab workers: the runtime that trains demos (torch lives here), and the demos."""
