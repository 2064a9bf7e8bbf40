"""PyTorch's figures for one cell at one size, for cellc's peer benchmark.

    python3 runtime/apps/bench/peers/torch_peer.py SPEC_JSON

SPEC_JSON: {"cell": "lstm"|"gru"|"mut1"|"lnlstm", "B", "T", "H", "runs", "warmup", "seed"}
(input size I = H). Prints one line, "cellc-bench-result " + JSON:

  nn     torch.nn.LSTM / torch.nn.GRU (cuDNN on a CUDA device, oneDNN or
         the native kernels on the CPU); null for MUT1 and the LayerNorm-LSTM,
         which have no layer
  eager  the cell's equations as in its .cell file, a Python loop over the
         steps (input projections of all steps in one product first)

each {fwd_ms, train_ms, fwd_runs, train_runs}: ms per forward (no autograd)
and per training step (forward, backward of the mean of h_t² over every
output, Adam step), median of `runs` after `warmup`. On CUDA every timing
ends with torch.cuda.synchronize(). torch.nn.GRU is the cuDNN form (reset
applied after the recurrent product, gru_cudnn.cell); the eager GRU is
gru.cell's (reset before it).
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

PREFIX = "cellc-bench-result "


def main():
    spec = json.loads(sys.argv[1])
    cell, B, T, H = spec["cell"], spec["B"], spec["T"], spec["H"]
    I = H
    torch.manual_seed(spec["seed"])
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    x = torch.randn(T, B, I, device=dev)

    def timed(f):
        for _ in range(spec["warmup"]):
            f()
        sync()
        runs = []
        for _ in range(spec["runs"]):
            t0 = time.perf_counter()
            f()
            sync()
            runs.append((time.perf_counter() - t0) * 1e3)
        return runs

    def measure(run, params):
        """run(x) -> every output [T, B, H]; timed forward and training step."""
        opt = torch.optim.Adam(params)

        def fwd():
            with torch.no_grad():
                run(x)

        def train():
            opt.zero_grad(set_to_none=True)
            loss = run(x).square().mean()
            loss.backward()
            opt.step()

        f, t = timed(fwd), timed(train)
        return {"fwd_ms": median(f), "train_ms": median(t), "fwd_runs": f, "train_runs": t}

    nn = None
    if cell in ("lstm", "gru"):
        layer = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(I, H).to(dev)
        nn = measure(lambda v: layer(v)[0], list(layer.parameters()))
    run, params = EAGER[cell](I, H, dev)
    eager = measure(run, params)
    print(PREFIX + json.dumps({
        "torch": torch.__version__,
        "device": str(dev),
        "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None,
        "cudnn": torch.backends.cudnn.version() if dev.type == "cuda" and torch.backends.cudnn.is_available() else None,
        "threads": torch.get_num_threads(),
        "nn": nn,
        "eager": eager,
    }), flush=True)


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def glorot(rows, cols, dev):
    """[rows, cols] (x @ W form), uniform in ±sqrt(6 / (rows + cols))."""
    a = math.sqrt(6 / (rows + cols))
    return (torch.rand(rows, cols, device=dev) * 2 - 1).mul_(a).requires_grad_()


def zeros(n, dev, value=0.0):
    return torch.full((n,), value, device=dev, requires_grad=True)


def project(x, W):
    """Input projections of every step: x [T, B, I] @ W [I, n] -> [T, B, n], one product."""
    return x @ W


def eager_lstm(I, H, dev):
    # lstm.cell: i, f, o = σ(W x + U h + b), g = tanh(W x + U h + b), forget bias 1;
    # c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c')
    W, U = glorot(I, 4 * H, dev), glorot(H, 4 * H, dev)
    b = torch.cat([torch.zeros(H), torch.ones(H), torch.zeros(2 * H)]).to(dev).requires_grad_()

    def run(x):
        px = project(x, W) + b
        h = x.new_zeros(x.shape[1], H)
        c = x.new_zeros(x.shape[1], H)
        out = []
        for t in range(x.shape[0]):
            i, f, o, g = (px[t] + h @ U).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            out.append(h)
        return torch.stack(out)
    return run, [W, U, b]


def eager_gru(I, H, dev):
    # gru.cell: r = σ(W_r x + U_r h + b_r); z = σ(W_z x + U_z h + b_z);
    # n = tanh(W_n x + U_n (r ⊙ h) + b_n); h' = z ⊙ h + (1 − z) ⊙ n
    W, Urz, Un = glorot(I, 3 * H, dev), glorot(H, 2 * H, dev), glorot(H, H, dev)
    b = zeros(3 * H, dev)

    def run(x):
        px = project(x, W) + b
        h = x.new_zeros(x.shape[1], H)
        out = []
        for t in range(x.shape[0]):
            xr, xz, xn = px[t].chunk(3, 1)
            hr, hz = (h @ Urz).chunk(2, 1)
            r = torch.sigmoid(xr + hr)
            z = torch.sigmoid(xz + hz)
            n = torch.tanh(xn + (r * h) @ Un)
            h = z * h + (1 - z) * n
            out.append(h)
        return torch.stack(out)
    return run, [W, Urz, Un, b]


def eager_mut1(I, H, dev):
    # mut1.cell: px = P x; z = σ(W_z x + b_z); r = σ(W_r x + U_r h + b_r);
    # n = tanh(U_n (r ⊙ h) + b_n + tanh(px)); h' = n ⊙ z + h ⊙ (1 − z)
    P, Wz, Wr = glorot(I, H, dev), glorot(I, H, dev), glorot(I, H, dev)
    Ur, Un = glorot(H, H, dev), glorot(H, H, dev)
    bz, br, bn = zeros(H, dev), zeros(H, dev), zeros(H, dev)

    def run(x):
        tpx = torch.tanh(project(x, P))
        z = torch.sigmoid(project(x, Wz) + bz)
        rx = project(x, Wr) + br
        h = x.new_zeros(x.shape[1], H)
        out = []
        for t in range(x.shape[0]):
            r = torch.sigmoid(rx[t] + h @ Ur)
            n = torch.tanh((r * h) @ Un + bn + tpx[t])
            h = n * z[t] + h * (1 - z[t])
            out.append(h)
        return torch.stack(out)
    return run, [P, Wz, Wr, Ur, Un, bz, br, bn]


def layernorm(v):
    # SPEC.md's layernorm: (v − mean) / sqrt(mean((v − mean)²) + 1e-5) over the last axis, no gain or bias
    return F.layer_norm(v, v.shape[-1:], eps=1e-5)


def eager_lnlstm(I, H, dev):
    # lstm_layernorm.cell: p = a_x ⊙ LN(W x) + a_h ⊙ LN(U h) + b; i, f, g, o = σ, σ, tanh, σ of its quarters;
    # c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(a_c ⊙ LN(c') + b_c)
    W, U = glorot(I, 4 * H, dev), glorot(H, 4 * H, dev)
    b, ax, ah = zeros(4 * H, dev), zeros(4 * H, dev, 1.0), zeros(4 * H, dev, 1.0)
    ac, bc = zeros(H, dev, 1.0), zeros(H, dev)

    def run(x):
        px = ax * layernorm(project(x, W))
        h = x.new_zeros(x.shape[1], H)
        c = x.new_zeros(x.shape[1], H)
        out = []
        for t in range(x.shape[0]):
            p = px[t] + ah * layernorm(h @ U) + b
            i, f, g, o = p.chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(ac * layernorm(c) + bc)
            out.append(h)
        return torch.stack(out)
    return run, [W, U, b, ax, ah, ac, bc]


EAGER = {"lstm": eager_lstm, "gru": eager_gru, "mut1": eager_mut1, "lnlstm": eager_lnlstm}

if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the table; the traceback above it for the log
        import traceback
        traceback.print_exc()
        print("cellc-bench-error " + (str(e).splitlines() or [type(e).__name__])[0], file=sys.stderr)
        sys.exit(1)
