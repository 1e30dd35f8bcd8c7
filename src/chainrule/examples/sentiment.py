"""sentiment: an Embedding + LSTM classifier, and beside it a plain RNN, on text whose
meaning depends on word order.

The default corpus is synthetic and generated from the seed (see
``chainrule.datasets.synthetic_sentiment``): "the plot was not good" is negative, "hardly
bad" positive, and in "<clause> but <clause>" only the last clause counts, so the same
words carry both labels and the order decides. The LSTM reaches at least 95% test
accuracy. The plain ``nn.RNN`` is trained the same way: backpropagation through time is
nothing more than the chain rule applied to the unrolled loop. A plot shows the RNN's
hidden state, and each model's P(positive), word by word for one sentence.

With ``--data DIR`` (the ``aclImdb`` folders) both models train on IMDB reviews instead.
"""

from __future__ import annotations

import os
import time

import numpy as np

NAME = "sentiment"
DESCRIPTION = "Embedding + LSTM vs a plain RNN (BPTT) on order-dependent sentiment: >= 95%"
ORDER = 7

TARGET = 0.95
QUICK_TARGET = 0.85


def build_model(num_tokens: int, cell: str = "lstm", embed: int = 32, hidden: int = 64):
    import chainrule as cr
    from chainrule import nn

    class SentimentNet(nn.Module):
        """Embedding -> LSTM or RNN -> the last step's hidden state -> Linear(2)."""

        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(num_tokens, embed, padding_idx=0)
            self.rnn = (nn.LSTM if cell == "lstm" else nn.RNN)(embed, hidden, batch_first=True)
            self.head = nn.Linear(hidden, 2)

        def forward(self, ids):
            # Sequences are pre-padded, so the last step is the last word of every sentence.
            out, _ = self.rnn(self.embedding(ids))
            return self.head(out[:, -1])

        def trace(self, ids):
            """Hidden states ``(T, H)`` and P(positive) after each word, for one sentence."""
            with cr.no_grad():
                out, _ = self.rnn(self.embedding(ids[None]))
                probs = self.head(out[0]).softmax(dim=-1)[:, 1]
            return out[0].numpy(), probs.numpy()

    return SentimentNet()


def _load(args):
    """(X_train, y_train, X_test, y_test, num_tokens, decode, source)."""
    from chainrule.datasets import IMDB, synthetic_sentiment, train_test_split

    if args.data:
        maxlen = 100 if args.quick else 200
        train = IMDB(args.data, "train", num_words=10000, maxlen=maxlen)
        test = IMDB(args.data, "test", maxlen=maxlen, vocab=train.vocab)
        X_train, y_train = train.tensors()
        X_test, y_test = test.tensors()
        if args.quick and len(X_train) > 2000:
            X_train, _, y_train, _ = train_test_split(X_train, y_train, len(X_train) - 2000)
            _, X_test, _, y_test = train_test_split(X_test, y_test, min(1000, len(X_test) - 1))
        return X_train, y_train, X_test, y_test, train.num_tokens, train.decode, "IMDB"
    corpus = synthetic_sentiment(n=2000 if args.quick else 4000, seed=args.seed)
    X, y = corpus.tensors()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=args.seed)
    vocab = corpus.vocab

    def decode(ids):
        return " ".join(vocab[i] for i in np.asarray(ids).tolist() if i)

    return X_train, y_train, X_test, y_test, corpus.num_tokens, decode, "synthetic"


def _pick_sentence(X_test, decode) -> int:
    """A test sentence with both a negation and a 'but', for the hidden-state plot."""
    words = [decode(row) for row in X_test.numpy()[:200]]
    for i, w in enumerate(words):
        if " but " in w and any(f" {n} " in w for n in ("not", "hardly", "never")):
            return i
    return 0


def _plot_states(models, ids, decode, path) -> None:
    from chainrule.examples._common import pyplot

    plt = pyplot()
    tokens = decode(ids.numpy()).split()
    keep = ids.numpy() != 0
    fig, axes = plt.subplots(2, 1, figsize=(max(7, 0.7 * len(tokens)), 6.4),
                             gridspec_kw={"height_ratios": [2, 1]})
    states, _ = models["rnn"].trace(ids)
    states = states[keep]
    im = axes[0].imshow(states.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    fig.colorbar(im, ax=axes[0], fraction=0.03)
    axes[0].set_ylabel("hidden unit")
    axes[0].set_title("plain RNN: hidden state h_t = tanh(W_ih x_t + W_hh h_(t-1) + b) "
                      "after each word")
    axes[0].set_xticks(range(len(tokens)), tokens, rotation=30)
    for name, style in (("lstm", "-o"), ("rnn", "--s")):
        _, probs = models[name].trace(ids)
        axes[1].plot(probs[keep], style, label=name.upper())
    axes[1].axhline(0.5, color="gray", lw=0.8)
    axes[1].set_ylim(-0.05, 1.05)
    axes[1].set_xticks(range(len(tokens)), tokens, rotation=30)
    axes[1].set_ylabel("P(positive)")
    axes[1].set_title("each model's reading so far, word by word")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(args) -> dict:
    import chainrule as cr
    from chainrule.examples._common import banner, prepare_out, write_metrics
    from chainrule.train import evaluate, fit

    start = time.perf_counter()
    out = prepare_out(args)
    X_train, y_train, X_test, y_test, num_tokens, decode, source = _load(args)
    synthetic = source == "synthetic"
    epochs = args.epochs or ((3 if args.quick else 5) if synthetic else (1 if args.quick else 3))
    target = (QUICK_TARGET if args.quick else TARGET) if synthetic else None
    banner(f"sentiment ({source}): {len(X_train)} training and {len(X_test)} test sequences "
           f"of {X_train.shape[1]} tokens, vocabulary {num_tokens}")
    for i in range(3):
        print(f"  {'positive' if int(y_test[i]) else 'negative'}: {decode(X_test[i].numpy())}")

    models, results, histories = {}, {}, {}
    for cell in ("lstm", "rnn"):
        banner(f"{cell.upper()}: Embedding -> {cell.upper()} -> Linear")
        cr.manual_seed(args.seed)
        model = build_model(num_tokens, cell)
        optimizer = cr.optim.Adam(model.parameters(), lr=5e-3)
        t0 = time.perf_counter()
        histories[cell] = fit(model, (X_train, y_train), loss="cross_entropy",
                              optimizer=optimizer, epochs=epochs, batch_size=64,
                              val_data=(X_test, y_test), clip_grad_norm=1.0, seed=args.seed,
                              progress=True)
        results[cell] = evaluate(model, (X_test, y_test), loss="cross_entropy")
        results[cell]["train_time_s"] = time.perf_counter() - t0
        models[cell] = model

    curves = os.path.join(out, "training_curves_lstm.png")
    histories["lstm"].plot(curves, title="LSTM")
    curves_rnn = os.path.join(out, "training_curves_rnn.png")
    histories["rnn"].plot(curves_rnn, title="plain RNN")
    index = _pick_sentence(X_test, decode)
    states = os.path.join(out, "rnn_hidden_states.png")
    _plot_states(models, X_test[index], decode, states)

    lstm_acc, rnn_acc = results["lstm"]["accuracy"], results["rnn"]["accuracy"]
    banner("result")
    print(f"LSTM test accuracy      {lstm_acc:.2%}  ({results['lstm']['train_time_s']:.1f} s)")
    print(f"plain RNN test accuracy {rnn_acc:.2%}  ({results['rnn']['train_time_s']:.1f} s)")
    if target is not None:
        print(f"LSTM target {target:.0%}: {'reached' if lstm_acc >= target else 'NOT reached'}")
    print(f"hidden states over time for: {decode(X_test[index].numpy())!r} -> {states}")
    metrics = {"example": NAME, "source": source, "quick": bool(args.quick), "epochs": epochs,
               "train_samples": len(X_train), "test_samples": len(X_test),
               "lstm_test_accuracy": lstm_acc, "rnn_test_accuracy": rnn_acc,
               "lstm": results["lstm"], "rnn": results["rnn"], "target_accuracy": target,
               "reached_target": None if target is None else lstm_acc >= target,
               "wall_time_s": time.perf_counter() - start,
               "pictures": [curves, curves_rnn, states]}
    write_metrics(out, metrics)
    return metrics
