"""The catalogue of demos, in book order. Adding a demo = adding its package here.

Only the specs are imported (no torch); a worker imports a demo's `train` module when it runs.
"""

from core.demo_spec import DemoSpec
from workers.demos import (
    attention_pooling,
    char_rnn,
    conv_filters,
    deep_nets,
    diffusion_2d,
    dropout,
    edge_kernel,
    gan_2d,
    gradient_descent,
    initialization,
    linear_regression,
    mlp,
    polynomial_fit,
    sequence_prediction,
    softmax_regression,
    style_transfer,
    transformer_attention,
    weight_decay,
    word2vec,
)

CATALOGUE: dict[str, DemoSpec] = {
    spec.id: spec
    for spec in sorted(
        [
            linear_regression.DEMO,
            polynomial_fit.DEMO,
            weight_decay.DEMO,
            softmax_regression.DEMO,
            mlp.DEMO,
            dropout.DEMO,
            initialization.DEMO,
            edge_kernel.DEMO,
            conv_filters.DEMO,
            deep_nets.DEMO,
            sequence_prediction.DEMO,
            char_rnn.DEMO,
            attention_pooling.DEMO,
            transformer_attention.DEMO,
            gradient_descent.DEMO,
            style_transfer.DEMO,
            word2vec.DEMO,
            gan_2d.DEMO,
            diffusion_2d.DEMO,
        ],
        key=lambda spec: spec.catalogue_order,
    )
}
