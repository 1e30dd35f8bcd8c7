import chainrule as torch
# ruff: noqa: I001  (the import above stays first: it is the one line that changes)

# Everything below is ordinary PyTorch code: with the line above changed to `import torch`
# it runs on PyTorch unchanged (the `pytorch-style` example does exactly that).
import numpy as np


def make_data(n=512, seed=0):
    """Two noisy concentric rings: label 1 for the outer ring."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    radius = np.where(label == 1, 2.0, 1.0) + rng.normal(0, 0.15, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return X.astype(np.float32), label.astype(np.float32)


class Net(torch.nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.fc1 = torch.nn.Linear(2, hidden)
        self.fc2 = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc2(torch.tanh(self.fc1(x))))


def init_from_numpy(model, seed=0):
    # The same starting weights in every library, so the two runs can be compared.
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.7, 0.7, tuple(p.shape)).astype(np.float32)))


def main(epochs=40, batch_size=64):
    X_np, y_np = make_data()
    X = torch.from_numpy(X_np)
    y = torch.from_numpy(y_np).unsqueeze(1)
    model = Net()
    init_from_numpy(model)
    criterion = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    order = np.random.default_rng(1)

    losses = []
    for _ in range(epochs):
        model.train()
        perm = torch.from_numpy(order.permutation(len(X_np)))
        total = 0.0
        for start in range(0, len(X_np), batch_size):
            idx = perm[start:start + batch_size]
            optimizer.zero_grad()
            loss = criterion(model(X[idx]), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X_np))

    model.eval()
    with torch.no_grad():
        final_loss = criterion(model(X), y).item()
        accuracy = ((model(X) > 0.5).float() == y).float().mean().item()
    return {"library": torch.__name__, "final_loss": final_loss, "accuracy": accuracy,
            "epoch_losses": losses}


if __name__ == "__main__":
    result = main()
    print(f"{result['library']}: final loss {result['final_loss']:.6f}, "
          f"accuracy {result['accuracy']:.2%}")
