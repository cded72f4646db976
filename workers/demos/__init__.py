"""The catalogue of demos. Adding a demo = adding its package here.

Only the specs are imported (no torch); a worker imports a demo's `train` module when it runs.
"""

from workers.demos import (
    attention_pooling,
    conv_filters,
    edge_kernel,
    gradient_descent,
    style_transfer,
    transformer_attention,
)
from workers.demos.contract import DemoSpec

CATALOGUE: dict[str, DemoSpec] = {
    spec.id: spec
    for spec in [  # book order
        edge_kernel.DEMO,
        conv_filters.DEMO,
        attention_pooling.DEMO,
        transformer_attention.DEMO,
        gradient_descent.DEMO,
        style_transfer.DEMO,
    ]
}
