"""PyTorch reference for bench/train.bench.ts: the TGANs-C networks of models/tganc/generator.ts and
discriminators.ts, layer for layer (same shapes, channels, kernels, 'same' paddings, bias/batch-norm
placement), trained the way TganModel.trainStep does one D then one G step. Prints one JSON line in the
shape of bench/trainShared.ts's TrainWorkerResult.

  python3 bench/torch/tganc_step.py --config '<TganArgs JSON>' --preset small --batch 8 --steps 5 \
    --warmup 1 --gen-batch 16 --gen-reps 3 --threads 1

The config comes from the TypeScript presets so the two sides cannot drift. One thread by default: tfjs's
wasm backend is single-threaded under Node, and a ratio is only meaningful like for like.
"""
import argparse, json, resource, time
import torch
from torch import nn
import torch.nn.functional as F


def time_strides(frames, stages):
    """TganConfig.ts timeStrides: coarse-to-fine strides, the last k stages double time."""
    k = 0
    while k < stages and frames % 2 ** (k + 1) == 0:
        k += 1
    return frames // 2 ** k, [2 if i >= stages - k else 1 for i in range(stages)]


def kt_of(st, t):
    return 4 if st == 2 else (1 if t == 1 else 3)


def bn(dims, c):
    # tfjs BatchNorm: epsilon 1e-3, moving = 0.9 old + 0.1 batch.
    return (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[dims - 1](c, eps=1e-3, momentum=0.1)


class Generator(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.cond = nn.Linear(a["sentenceDim"], a["conditionDim"])
        self.leak = a["leak"]
        self.act = F.relu if a.get("gActivation", "relu") == "relu" else (lambda x: F.leaky_relu(x, self.leak))
        g = a["gChannels"]
        t0, self.strides = time_strides(a["frames"], len(g))
        h0 = a["size"] // 2 ** len(g)
        self.start = (g[0], t0, h0, h0)
        self.project = nn.Linear(a["noiseDim"] + a["conditionDim"], g[0] * t0 * h0 * h0, bias=False)
        self.project_bn = bn(3, g[0])
        self.ups, self.bns = nn.ModuleList(), nn.ModuleList()
        t = t0
        for i, cin in enumerate(g):
            last = i == len(g) - 1
            cout = a["channels"] if last else g[i + 1]
            st = self.strides[i]
            kt = kt_of(st, t)
            # 'same' transposed conv: output = input x stride, i.e. padding (k - s) / 2.
            self.ups.append(nn.ConvTranspose3d(cin, cout, (kt, 4, 4), (st, 2, 2), ((kt - st) // 2, 1, 1), bias=last))
            if not last:
                self.bns.append(bn(3, cout))
            t *= st

    def forward(self, z, s):
        c = F.leaky_relu(self.cond(s), self.leak)
        x = self.project(torch.cat([z, c], 1)).view(-1, *self.start)
        x = self.act(self.project_bn(x))
        for i, up in enumerate(self.ups):
            x = up(x)
            x = torch.tanh(x) if i == len(self.ups) - 1 else self.act(self.bns[i](x))
        return x  # [N, C, T, H, W]


class Head(nn.Module):
    """Sentence replicated over the final map, 1x1 joint conv, whole-map logit conv: a logit per step."""

    def __init__(self, a, c, map_hw):
        super().__init__()
        self.cond = nn.Linear(a["sentenceDim"], a["conditionDim"])
        self.joint = nn.Conv2d(c + a["conditionDim"], c, 1)
        self.logit = nn.Conv2d(c, 1, map_hw)
        self.map_hw, self.leak = map_hw, a["leak"]

    def forward(self, maps, s, steps):  # maps [N*steps, c, H', W'], s [N, S]
        c = F.leaky_relu(self.cond(s), self.leak)
        c = c.repeat_interleave(steps, 0)[:, :, None, None].expand(-1, -1, *self.map_hw)
        x = F.leaky_relu(self.joint(torch.cat([maps, c], 1)), self.leak)
        return self.logit(x).view(-1, steps)


class Discriminator(nn.Module):
    def __init__(self, a, kind):
        super().__init__()
        self.kind, self.leak, self.all_frames = kind, a["leak"], a["frames"]
        # TganArgs frameSamples / motionWindow: the frames each step shows the frame / motion discriminator.
        self.frames = {"frame": a.get("frameSamples"), "motion": a.get("motionWindow")}.get(kind) or a["frames"]
        d = a["dChannels"]
        conv = nn.Conv3d if kind == "video" else nn.Conv2d
        _, strides = time_strides(a["frames"], len(d))
        strides = strides[::-1]
        self.convs, self.bns = nn.ModuleList(), nn.ModuleList()
        cin, t = a["channels"], a["frames"]
        for i, cout in enumerate(d):
            if kind == "video":
                st = strides[i]
                kt = kt_of(st, t)
                self.convs.append(conv(cin, cout, (kt, 4, 4), (st, 2, 2), ((kt - st) // 2, 1, 1), bias=i == 0))
                t = -(-t // st)
            else:
                self.convs.append(conv(cin, cout, 4, 2, 1, bias=i == 0))
            if i > 0:
                self.bns.append(bn(3 if kind == "video" else 2, cout))
            cin = cout
        side = a["size"] // 2 ** len(d)
        self.t = t
        self.head = Head(a, d[-1], (t * side, side) if kind == "video" else (side, side))

    def picker(self, n):
        """v [N, C, T, H, W] -> what this step shows the discriminator (frameSelection.ts, torch's RNG):
        video the clip; frame k random frames, motion a window at a random start, as [N, k, C, H, W]."""
        if self.kind == "video":
            return lambda v: v
        k, t = self.frames, self.all_frames
        if k == t:
            return lambda v: v.transpose(1, 2)
        if self.kind == "frame":
            idx = torch.rand(n, t).argsort(1)[:, :k].sort(1).values
        else:
            idx = torch.randint(0, t - k + 1, (n, 1)) + torch.arange(k)
        rows = torch.arange(n)[:, None]
        return lambda v: v[rows, :, idx]

    def trunk(self, v):  # v as picker() returns it
        n = v.shape[0]
        x = v if self.kind == "video" else v.reshape(n * self.frames, *v.shape[2:])
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i > 0:
                x = self.bns[i - 1](x)
            x = F.leaky_relu(x, self.leak)
        if self.kind == "video":  # [N, c, t, h, w] -> the [t*h, w, c] map
            return x.reshape(n, 1, x.shape[1], -1, x.shape[4])
        x = x.reshape(n, self.frames, *x.shape[1:])
        return x[:, 1:] - x[:, :-1] if self.kind == "motion" else x

    def judge(self, features, s):  # features [N, steps, c, H', W']
        n, steps = features.shape[:2]
        return self.head(features.reshape(n * steps, *features.shape[2:]), s, steps)


def bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--preset", default="small")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--gen-batch", type=int, default=16)
    p.add_argument("--gen-reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    o = p.parse_args()
    a = json.loads(o.config)
    assert a.get("conditionDim"), "only configs with a sentence projection (conditionDim), as both presets have"
    torch.set_num_threads(o.threads)
    torch.manual_seed(0)

    g = Generator(a)
    kinds = ["video", "frame", "motion"] if a["useMotionDiscriminator"] else ["video", "frame"]
    ds = [Discriminator(a, k) for k in kinds]
    adam = lambda m: torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt, d_opts = adam(g), [adam(d) for d in ds]
    n, S = o.batch, a["sentenceDim"]
    shape = (n, a["channels"], a["frames"], a["size"], a["size"])

    def step():
        videos = torch.rand(shape) * 2 - 1
        s, wrong, z = torch.randn(n, S), torch.randn(n, S), torch.randn(n, a["noiseDim"])
        t0 = time.perf_counter()
        # D step: generated clips outside the graph; each trunk once on real and once on fake.
        with torch.no_grad():
            fake = g(z, s)
        for d in ds:
            d.requires_grad_(True)
        d_loss = 0
        pair_s = torch.cat([s, s, wrong])
        views = [d.picker(n) for d in ds]  # one selection per discriminator for the D and G steps
        for d, view in zip(ds, views):
            real_f, fake_f = d.trunk(view(videos)), d.trunk(view(fake))
            logits = d.judge(torch.cat([real_f, fake_f, real_f]), pair_s)
            rr, fr, rw = logits.split(n)
            d_loss = d_loss + bce(rr, 1.0) + bce(fr, 0.0) + bce(rw, 0.0)
        for opt in d_opts:
            opt.zero_grad(set_to_none=True)
        d_loss.backward()
        for opt in d_opts:
            opt.step()
        # G step: discriminator weights frozen so only input gradients flow through them (as tfjs does).
        for d in ds:
            d.requires_grad_(False)
        fake = g(z, s)
        g_loss = sum(bce(d.judge(d.trunk(view(fake)), s), 1.0) for d, view in zip(ds, views))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        losses = (d_loss.item(), g_loss.item())
        return (time.perf_counter() - t0) * 1000, losses

    warmup_ms = step()[0] if o.warmup else None
    step_ms = [step()[0] for _ in range(o.steps)]

    g.eval()
    gen_ms = []
    with torch.no_grad():
        for i in range(o.gen_reps + 1):
            z, s = torch.randn(o.gen_batch, a["noiseDim"]), torch.randn(o.gen_batch, S)
            t0 = time.perf_counter()
            g(z, s).numpy()
            if i > 0 or o.gen_reps == 0:
                gen_ms.append((time.perf_counter() - t0) * 1000)

    # Weights plus batch-norm moving statistics, as tfjs countParams counts them.
    count = lambda m: sum(t.numel() for t in m.parameters()) + sum(b.numel() for k, b in m.named_buffers() if "running" in k)
    print(json.dumps({
        "backend": "torch", "preset": o.preset, "batch": n, "warmupMs": warmup_ms, "stepMs": step_ms,
        "genBatch": o.gen_batch, "genMs": gen_ms, "params": count(g) + sum(count(d) for d in ds),
        "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        # Debian's build says BLAS_INFO=generic (the system libblas: reference BLAS unless an optimised one
        # is installed), which slows its GEMM-based ops, transposed 3D convs among them.
        "detail": {"torch": torch.__version__, "threads": torch.get_num_threads(),
                   "blas": next((w for w in torch.__config__.show().replace(",", " ").split() if w.startswith("BLAS_INFO=")), "?")},
    }))


if __name__ == "__main__":
    main()
