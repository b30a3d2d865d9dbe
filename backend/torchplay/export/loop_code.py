"""The exported script's training section: the loss, optimizer and scheduler, the loop
(shuffled batches, forward, backward, update), evaluation under `model.eval()` and
`torch.no_grad()`, early stopping; a GAN's alternating steps. Where a scheduler steps and
how accuracy counts come from the same tables the trainer reads."""

from __future__ import annotations

import inspect

from torch import optim

from torchplay.export.literals import literal, number
from torchplay.export.parts import Section, kwargs_text, same, signature
from torchplay.planning.memory import EVAL_CHUNK
from torchplay.spec.tasks import threshold


class LoopCode(Section):
    def render(self) -> str:
        return self._gan_training() if self.is_gan else self._training()

    def _optimizer(self, params: str) -> str:
        spec = self.job.optimizer
        kwargs = spec.model_dump(exclude={"type"})
        defaults = signature(getattr(optim, spec.type).__init__)
        shown = {k: v for k, v in kwargs.items() if k == "lr" or not same(v, defaults.get(k, inspect.Parameter.empty))}
        return f"torch.optim.{spec.type}({params}, {kwargs_text(shown)})"

    def _scheduler(self, optimizer: str) -> str | None:
        spec = self.job.scheduler
        if spec is None:
            return None
        kwargs = spec.model_dump(exclude={"type"})
        text = {k: literal(v) for k, v in kwargs.items()}
        run = {
            "epochs": "EPOCHS",
            "steps_per_epoch": "math.ceil(n / batch_size)",
        }  # as `optim.build_scheduler` fills them
        for name, source in spec.from_run.items():
            if kwargs.get(name) is None:
                text[name] = run[source]
                if source == "steps_per_epoch":
                    self.imports.add("import math")
        args = ", ".join(f"{k}={v}" for k, v in text.items())
        return f"torch.optim.lr_scheduler.{spec.type}({optimizer}, {args})"

    def _scheduler_steps(self, optimizer_names: list[str], monitored: str) -> tuple[list[str], list[str]]:
        """(lines inside the batch loop, lines after the epoch), by the scheduler's kind."""
        spec = self.job.scheduler
        if spec is None:
            return [], []
        names = [f"scheduler{suffix}" for suffix in optimizer_names]
        steps = [f"{n}.step({monitored if spec.monitors_loss else ''})" for n in names]
        if spec.steps_every == "batch":
            return [f"{step}  # {spec.type} moves every batch" for step in steps], []
        return [], steps

    def _correct_function(self) -> str:
        if self.rule.correct == "argmax":
            body = "    return int((out.argmax(dim=1) == y).sum())"
        else:  # one output against the loss's threshold (probabilities vs logits)
            body = f"    return int(((out > {number(threshold(self.plan.loss))}).float() == y).sum())"
        return "\n".join(
            [
                "def count_correct(out: torch.Tensor, y: torch.Tensor) -> int:",
                '    """Correct predictions in a batch."""',
                body,
            ]
        )

    def _training(self) -> str:
        job = self.job
        accuracy = self.rule.correct is not None
        model_class = self.model_class
        inner, after = self._scheduler_steps([""], "val_loss if val_loss is not None else train_loss")
        scheduler = self._scheduler("optimizer")
        clip = (
            [f"            nn.utils.clip_grad_norm_(model.parameters(), {number(job.grad_clip)})"]
            if job.grad_clip
            else []
        )
        acc_eval = "correct += count_correct(out, yb)" if accuracy else ""
        chunk = self.plan.eval_rows or EVAL_CHUNK  # as the trainer evaluates
        evaluate = [
            "def evaluate(model: nn.Module, loss_fn: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple:",
            '    """Mean loss (and accuracy) on a held-out split: eval mode (dropout off, batch norm',
            '    frozen) and no gradients."""',
            "    if len(x) == 0:",
            "        return None, None",
            "    model.eval()",
            "    total_loss, correct = 0.0, 0",
            "    with torch.no_grad():",
            f"        for start in range(0, len(x), {chunk}):  # in chunks: bounded memory on big splits",
            f"            xb, yb = x[start : start + {chunk}], y[start : start + {chunk}]",
            "            out = model(xb)",
            "            total_loss += loss_fn(out, yb).item() * len(xb)",
            *([f"            {acc_eval}"] if accuracy else []),
            "    model.train()",
            f"    return total_loss / len(x), {'correct / len(x)' if accuracy else 'None'}",
        ]
        report = [
            '        line = f"epoch {epoch:4d}/{EPOCHS}  train_loss {train_loss:.6f}"',
            *(['        line += f"  train_accuracy {correct / n:.4f}"'] if accuracy else []),
            "        if val_loss is not None:",
            '            line += f"  val_loss {val_loss:.6f}"',
            *(['            line += f"  val_accuracy {val_accuracy:.4f}"'] if accuracy else []),
            "        print(line)",
        ]
        early = (
            [
                "        if val_loss is not None:  # early stopping",
                "            best_val, stale = (val_loss, 0) if val_loss < best_val else (best_val, stale + 1)",
                f"            if stale >= {number(job.early_stopping)}:",
                '                print(f"no better val_loss for {stale} epochs: stopping")',
                "                break",
            ]
            if job.early_stopping
            else []
        )
        main = [
            "def main() -> None:",
            "    x_train, y_train, x_test, y_test = (t.to(DEVICE) for t in load_data())",
            "    torch.manual_seed(SEED)  # right before building the model: the job's initial weights",
            f"    model = {model_class}().to(DEVICE)",
            "    print(model)",
            f"    loss_fn = nn.{self.plan.loss}()",
            f"    optimizer = {self._optimizer('model.parameters()')}",
            "    n = len(x_train)",
            "    batch_size = min(BATCH_SIZE or n, n)",
            *([f"    scheduler = {scheduler}"] if scheduler else []),
            "    # The batches' order has its own generator, seeded apart from the weights.",
            "    shuffle = torch.Generator(device=DEVICE).manual_seed(SEED)",
            *(["    best_val, stale = float('inf'), 0"] if job.early_stopping else []),
            "    for epoch in range(1, EPOCHS + 1):",
            "        model.train()",
            "        # A new order every epoch; one full batch keeps the data as it is.",
            "        if batch_size < n:",
            "            order = torch.randperm(n, device=DEVICE, generator=shuffle)",
            "        else:",
            "            order = torch.arange(n, device=DEVICE)",
            "        total_loss, correct = 0.0, 0",
            "        for start in range(0, n, batch_size):",
            "            index = order[start : start + batch_size]",
            "            xb, yb = x_train[index], y_train[index]",
            "            out = model(xb)  # forward",
            "            loss = loss_fn(out, yb)",
            "            optimizer.zero_grad()",
            "            loss.backward()  # backward: gradients of the loss",
            *clip,
            "            optimizer.step()  # update the weights",
            *[f"            {line}" for line in inner],
            "            total_loss += loss.item() * len(xb)  # the epoch's loss: mean over samples",
            *([f"            {acc_eval}"] if accuracy else []),
            "        train_loss = total_loss / n",
            "        val_loss, val_accuracy = evaluate(model, loss_fn, x_test, y_test)",
            *[f"        {line}" for line in after],
            *report,
            *early,
            "",
            "    loss, accuracy = evaluate(model, loss_fn, x_test, y_test)",
            "    if loss is not None:",
            '        print(f"final val_loss {loss:.6f}' + ('  val_accuracy {accuracy:.4f}")' if accuracy else '")'),
            "    model.eval()",
            "    with torch.no_grad():",
            "        print('predictions for the first 5 training samples:', model(x_train[:5]).tolist())",
        ]
        parts = [*([self._correct_function()] if accuracy else []), "\n".join(evaluate), "\n".join(main)]
        return "\n\n\n".join(parts)

    def _gan_training(self) -> str:
        job = self.job
        inner, after = self._scheduler_steps(["_g", "_d"], "g_loss")
        clip_d = (
            [f"            nn.utils.clip_grad_norm_(discriminator.parameters(), {number(job.grad_clip)})"]
            if job.grad_clip
            else []
        )
        clip_g = (
            [f"            nn.utils.clip_grad_norm_(generator.parameters(), {number(job.grad_clip)})"]
            if job.grad_clip
            else []
        )
        schedulers = [
            f"    scheduler{suffix} = {self._scheduler(f'opt{suffix}')}" for suffix in ("_g", "_d") if job.scheduler
        ]
        return "\n".join(
            [
                "def main() -> None:",
                "    x_train = load_data()[0].to(DEVICE)  # a GAN learns the training points' distribution",
                "    torch.manual_seed(SEED)  # right before building the nets: the job's initial weights",
                "    generator = Generator().to(DEVICE)",
                "    discriminator = Discriminator().to(DEVICE)",
                "    loss_fn = nn.BCEWithLogitsLoss()",
                f"    opt_g = {self._optimizer('generator.parameters()')}",
                f"    opt_d = {self._optimizer('discriminator.parameters()')}",
                "    n = len(x_train)",
                "    batch_size = min(BATCH_SIZE or n, n)",
                *schedulers,
                "    shuffle = torch.Generator(device=DEVICE).manual_seed(SEED)  # the batches' order",
                "    noise = torch.Generator(device=DEVICE).manual_seed(SEED + 1)  # the generator's input",
                "    for epoch in range(1, EPOCHS + 1):",
                "        generator.train()",
                "        discriminator.train()",
                "        if batch_size < n:",
                "            order = torch.randperm(n, device=DEVICE, generator=shuffle)",
                "        else:",
                "            order = torch.arange(n, device=DEVICE)",
                "        d_total, g_total = 0.0, 0.0",
                "        for start in range(0, n, batch_size):",
                "            real = x_train[order[start : start + batch_size]]",
                "            m = len(real)",
                "            ones = torch.ones(m, 1, device=DEVICE)",
                "            zeros = torch.zeros(m, 1, device=DEVICE)",
                "            z = torch.randn(m, LATENT_DIM, device=DEVICE, generator=noise)",
                "            fake = generator(z)",
                "",
                "            # Discriminator: real → 1, generated → 0 (fakes detached: G is not updated here).",
                "            d_loss = loss_fn(discriminator(real), ones) + loss_fn(discriminator(fake.detach()), zeros)",
                "            opt_d.zero_grad()",
                "            d_loss.backward()",
                *clip_d,
                "            opt_d.step()",
                "",
                "            # Generator: make the updated discriminator call its fakes real.",
                "            g_loss = loss_fn(discriminator(fake), ones)",
                "            opt_g.zero_grad()",
                "            g_loss.backward()",
                *clip_g,
                "            opt_g.step()",
                *[f"            {line}" for line in inner],
                "            d_total += d_loss.item() * m",
                "            g_total += g_loss.item() * m",
                "        d_loss, g_loss = d_total / n, g_total / n",
                *[f"        {line}" for line in after],
                '        print(f"epoch {epoch:4d}/{EPOCHS}  train_loss {g_loss:.6f}  d_loss {d_loss:.6f}")',
                "",
                "    generator.eval()",
                "    with torch.no_grad():",
                "        samples = generator(torch.randn(5, LATENT_DIM, device=DEVICE))",
                "    print('five generated samples:', samples.tolist())",
            ]
        )
