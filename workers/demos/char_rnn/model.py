"""Character-level language models (book 8.5–8.6, 9.1–9.2; today's 9.5–9.6, 10.1–10.2).

Every model reads one-hot characters X_t (batch, 28), keeps a hidden state H_t (batch, h) and
predicts the next character from it: O_t = H_t W_hq + b_q. What differs is how H_t is made:

- RNN (8.5):  H_t = tanh(X_t W_xh + H_{t−1} W_hh + b_h)
- GRU (9.1):  Z_t = σ(X_t W_xz + H_{t−1} W_hz + b_z), R_t = σ(X_t W_xr + H_{t−1} W_hr + b_r),
              H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t−1}) W_hh + b_h),
              H_t = Z_t ⊙ H_{t−1} + (1 − Z_t) ⊙ H̃_t
- LSTM (9.2): I_t, F_t, O_t = σ(X_t W_x· + H_{t−1} W_h· + b_·),
              C̃_t = tanh(X_t W_xc + H_{t−1} W_hc + b_c),
              C_t = F_t ⊙ C_{t−1} + I_t ⊙ C̃_t, H_t = O_t ⊙ tanh(C_t)

They are written as the book's from-scratch code (weights N(0, 0.01²), biases 0, the book's
names), with one liberty that changes no number: X_t W_x· is computed for all time steps in
one product before the loop over time, since it does not depend on H. `nn-rnn` is the
concise implementation of 8.6: PyTorch's `nn.RNN` (the same recurrence, with a second bias
b_hh and PyTorch's initialization) and a linear output layer. A deeper model stacks layers,
each reading the hidden states of the one below (9.3).

Training is the book's `train_epoch_ch8`: the mean cross-entropy of every predicted character,
gradients clipped to norm θ (`grad_clipping`), and minibatch SGD.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

State = tuple[Tensor, ...]  # (H,) or the LSTM's (H, C), each (layers, batch, h)
INIT_STD = 0.01  # the book's get_params: torch.randn(shape) * 0.01

# What each gated layer shows besides H: the name of each recorded quantity, for the learner.
GATES = {
    "rnn": {},
    "nn-rnn": {},
    "gru": {"Z": "update gate Z", "R": "reset gate R"},
    "lstm": {"I": "input gate I", "F": "forget gate F", "O": "output gate O", "C": "memory cell C"},
}


def normal(*shape: int) -> nn.Parameter:
    return nn.Parameter(torch.randn(shape) * INIT_STD)


def zeros(*shape: int) -> nn.Parameter:
    return nn.Parameter(torch.zeros(shape))


class RNNLayer(nn.Module):
    """8.5's RNN: H_t = tanh(X_t W_xh + H_{t−1} W_hh + b_h)."""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        super().__init__()
        self.W_xh, self.W_hh, self.b_h = (
            normal(num_inputs, num_hiddens),
            normal(num_hiddens, num_hiddens),
            zeros(num_hiddens),
        )

    def forward(
        self, inputs: Tensor, state: State, record: dict[str, list[Tensor]] | None = None
    ) -> tuple[Tensor, State]:
        (H,) = state
        XW = inputs @ self.W_xh
        outputs = []
        for XW_t in XW:
            H = torch.tanh(XW_t + H @ self.W_hh + self.b_h)
            outputs.append(H)
        return torch.stack(outputs), (H,)


class GRULayer(nn.Module):
    """9.1's gated recurrent unit, as the book writes it: the reset gate R scales H_{t−1}
    before W_hh. (PyTorch's `nn.GRU` applies it after: tanh(X W_in + R ⊙ (H W_hn + b_hn)),
    and computes H = Z ⊙ H + (1 − Z) ⊙ H̃ likewise; a different, equally good unit.)"""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        super().__init__()
        self.W_xz, self.W_hz, self.b_z = (
            normal(num_inputs, num_hiddens),
            normal(num_hiddens, num_hiddens),
            zeros(num_hiddens),
        )
        self.W_xr, self.W_hr, self.b_r = (
            normal(num_inputs, num_hiddens),
            normal(num_hiddens, num_hiddens),
            zeros(num_hiddens),
        )
        self.W_xh, self.W_hh, self.b_h = (
            normal(num_inputs, num_hiddens),
            normal(num_hiddens, num_hiddens),
            zeros(num_hiddens),
        )

    def forward(
        self, inputs: Tensor, state: State, record: dict[str, list[Tensor]] | None = None
    ) -> tuple[Tensor, State]:
        (H,) = state
        XZ, XR, XH = inputs @ self.W_xz, inputs @ self.W_xr, inputs @ self.W_xh
        outputs = []
        for t in range(len(inputs)):
            Z = torch.sigmoid(XZ[t] + H @ self.W_hz + self.b_z)
            R = torch.sigmoid(XR[t] + H @ self.W_hr + self.b_r)
            H_tilda = torch.tanh(XH[t] + (R * H) @ self.W_hh + self.b_h)
            H = Z * H + (1 - Z) * H_tilda
            outputs.append(H)
            if record is not None:
                record["Z"].append(Z)
                record["R"].append(R)
        return torch.stack(outputs), (H,)


class LSTMLayer(nn.Module):
    """9.2's long short-term memory: input, forget and output gates and a memory cell C."""

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        super().__init__()

        def three() -> tuple[nn.Parameter, nn.Parameter, nn.Parameter]:
            return (
                normal(num_inputs, num_hiddens),
                normal(num_hiddens, num_hiddens),
                zeros(num_hiddens),
            )

        self.W_xi, self.W_hi, self.b_i = three()  # input gate
        self.W_xf, self.W_hf, self.b_f = three()  # forget gate
        self.W_xo, self.W_ho, self.b_o = three()  # output gate
        self.W_xc, self.W_hc, self.b_c = three()  # candidate memory cell

    def forward(
        self, inputs: Tensor, state: State, record: dict[str, list[Tensor]] | None = None
    ) -> tuple[Tensor, State]:
        H, C = state
        XI, XF = inputs @ self.W_xi, inputs @ self.W_xf
        XO, XC = inputs @ self.W_xo, inputs @ self.W_xc
        outputs = []
        for t in range(len(inputs)):
            I = torch.sigmoid(XI[t] + H @ self.W_hi + self.b_i)  # noqa: E741 - the book's name
            F_ = torch.sigmoid(XF[t] + H @ self.W_hf + self.b_f)
            O = torch.sigmoid(XO[t] + H @ self.W_ho + self.b_o)  # noqa: E741 - the book's name
            C_tilda = torch.tanh(XC[t] + H @ self.W_hc + self.b_c)
            C = F_ * C + I * C_tilda
            H = O * torch.tanh(C)
            outputs.append(H)
            if record is not None:
                for name, value in (("I", I), ("F", F_), ("O", O), ("C", C)):
                    record[name].append(value)
        return torch.stack(outputs), (H, C)


LAYERS: dict[str, type[RNNLayer | GRULayer | LSTMLayer]] = {
    "rnn": RNNLayer,
    "gru": GRULayer,
    "lstm": LSTMLayer,
}


@dataclass(frozen=True)
class Reading:
    """What the top layer did over a sequence (batch 1): H and each gate, (h, steps)."""

    hidden: Tensor
    gates: dict[str, Tensor]


class CharRNN(nn.Module):
    """The book's RNNModelScratch (8.5) with the recurrent layers above, or its RNNModel (8.6)
    around `nn.RNN`: one-hot inputs in, the next character's logits out."""

    def __init__(self, kind: str, vocab_size: int, num_hiddens: int, num_layers: int) -> None:
        super().__init__()
        self.kind, self.vocab_size = kind, vocab_size
        self.num_hiddens, self.num_layers = num_hiddens, num_layers
        if kind == "nn-rnn":
            self.rnn = nn.RNN(vocab_size, num_hiddens, num_layers)
            self.linear = nn.Linear(num_hiddens, vocab_size)
        else:
            layer = LAYERS[kind]
            self.layers = nn.ModuleList(
                layer(vocab_size if i == 0 else num_hiddens, num_hiddens) for i in range(num_layers)
            )
            self.W_hq, self.b_q = normal(num_hiddens, vocab_size), zeros(vocab_size)

    def begin_state(self, batch_size: int, device: str | torch.device) -> State:
        """Zeros: H (and the LSTM's C), one (batch, h) slice per layer."""
        shape = (self.num_layers, batch_size, self.num_hiddens)
        parts = 2 if self.kind == "lstm" else 1
        return tuple(torch.zeros(shape, device=device) for _ in range(parts))

    def forward(self, X: Tensor, state: State) -> tuple[Tensor, State]:
        """X: (batch, steps) indices -> logits (steps · batch, vocab), time-major as the book's
        `Y.T.reshape(-1)` labels, and the state after the last step."""
        outputs, state, _ = self.run(X, state, record=False)
        if self.kind == "nn-rnn":
            return self.linear(outputs.reshape(-1, outputs.shape[-1])), state
        return outputs.reshape(-1, self.num_hiddens) @ self.W_hq + self.b_q, state

    def run(self, X: Tensor, state: State, record: bool) -> tuple[Tensor, State, dict[str, Tensor]]:
        """The top layer's hidden states (steps, batch, h), the new state, and what the top
        layer recorded (each (steps, batch, h)) when asked."""
        inputs = F.one_hot(X.T, self.vocab_size).float()
        if self.kind == "nn-rnn":
            outputs, H = self.rnn(inputs, state[0])
            return outputs, (H,), {}
        finals: list[list[Tensor]] = [[] for _ in state]
        recorded: dict[str, list[Tensor]] = {name: [] for name in GATES[self.kind]}
        for i, layer in enumerate(self.layers):
            top = record and i == self.num_layers - 1
            inputs, layer_state = layer(
                inputs, tuple(s[i] for s in state), recorded if top else None
            )
            for part, value in zip(finals, layer_state, strict=True):
                part.append(value)
        new_state = tuple(torch.stack(part) for part in finals)
        return inputs, new_state, {name: torch.stack(v) for name, v in recorded.items() if v}

    @torch.no_grad()
    def read(self, ids: list[int]) -> Reading:
        """Read a sequence from a zero state: the top layer's H and gates after each one."""
        device = self.device
        X = torch.tensor([ids], device=device)
        outputs, _, gates = self.run(X, self.begin_state(1, device), record=True)
        return Reading(outputs[:, 0].T, {name: g[:, 0].T for name, g in gates.items()})

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device


@torch.no_grad()
def predict_ch8(prefix: list[int], num_preds: int, net: CharRNN) -> list[int]:
    """The book's predict_ch8: warm the state up on the prefix, then feed back the likeliest
    next character (greedy argmax) num_preds times. The warm-up reads the prefix but its last
    character in one call (the same state as one character at a time)."""
    device = net.device
    state = net.begin_state(1, device)
    if len(prefix) > 1:
        _, state = net(torch.tensor([prefix[:-1]], device=device), state)
    outputs = list(prefix)
    for _ in range(num_preds):
        y, state = net(torch.tensor([[outputs[-1]]], device=device), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return outputs


def grad_clipping(params: list[nn.Parameter], theta: float) -> tuple[float, float]:
    """The book's grad_clipping: when the norm of all the gradients together exceeds θ, scale
    them all by θ/‖g‖ (their direction unchanged). θ = 0 turns it off. Returns ‖g‖ before and
    after (reading it waits for the device, as the book's `if norm > theta` does)."""
    norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params)).item()  # type: ignore[arg-type]
    if theta > 0 and norm > theta:
        for param in params:
            param.grad[:] *= theta / norm  # type: ignore[index]
        return norm, theta
    return norm, norm


def sgd(params: list[nn.Parameter], lr: float) -> None:
    """The book's d2l.sgd with batch_size 1 (the loss is already a mean)."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad  # type: ignore[operator]
            param.grad.zero_()  # type: ignore[union-attr]


def detach(state: State) -> State:
    """The book's state.detach_(): the values stay, the graph of earlier minibatches goes."""
    return tuple(s.detach() for s in state)


def cross_entropy(y_hat: Tensor, Y: Tensor) -> Tensor:
    """The mean cross-entropy of every prediction; labels time-major, as the logits."""
    return F.cross_entropy(y_hat, Y.T.reshape(-1))


def safe_exp(x: float) -> float:
    """exp, with infinity past what a float holds (a diverged loss is reported, not raised)."""
    return math.inf if x > 709 else math.exp(x)  # NaN stays NaN
