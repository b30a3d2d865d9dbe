"""The exported script's training section: the loss, optimizer and scheduler, the loop
(shuffled batches, forward, backward, update), evaluation under `model.eval()` and
`torch.no_grad()`, early stopping; a GAN's alternating steps. Where a scheduler steps and
how accuracy counts come from the same tables the trainer reads."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from torch import optim

from torchplay.export.literals import literal, number
from torchplay.export.parts import Section, kwargs_text, same, signature
from torchplay.planning.memory import EVAL_CHUNK
from torchplay.spec.tasks import loss_kwargs, threshold


@dataclass
class Step:
    """One of the tutorial's steps: its name (a notebook's heading), the module-level functions
    it needs and its statements, written at `main()`'s indentation."""

    name: str
    helpers: list[str]
    lines: list[str]


class LoopCode(Section):
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

    def steps(self) -> list[Step]:
        """The tutorial's steps, in order: what `main()` runs and a notebook's cells hold."""
        return self._gan_steps() if self.is_gan else self._steps()

    @staticmethod
    def main(steps: list[Step]) -> str:
        """The training section of the script: the steps' helpers, then `main()` running them."""
        helpers = [helper for step in steps for helper in step.helpers]
        main = [
            "def main() -> list[float]:",
            '    """Train and evaluate; the loss of every epoch, as printed."""',
            *[line for step in steps for line in step.lines],
            "    return history",
        ]
        return "\n\n\n".join([*helpers, "\n".join(main)])

    def _loss(self) -> str:
        kwargs = loss_kwargs(self.plan.loss, self.job.loss_params)
        args = []
        for name, value in kwargs.items():
            if name == "pos_weight":  # a tensor, on the device the outputs are on
                args.append(f"pos_weight=torch.tensor({literal(value)}, device=DEVICE)")
            else:
                args.append(f"{name}={literal(value)}")
        return f"nn.{self.plan.loss}({', '.join(args)})"

    @property
    def _sums(self) -> bool:
        return self.job.loss_params.reduction == "sum"

    def _order(self, indent: str) -> list[str]:
        """Each epoch's order of the rows: shuffled (unless one batch holds them all) or as stored."""
        if not self.job.shuffle:
            return [f"{indent}order = torch.arange(n, device=DEVICE)  # shuffle off: the data's own order"]
        return [
            f"{indent}# A new order every epoch; one full batch keeps the data as it is.",
            f"{indent}if batch_size < n:",
            f"{indent}    order = torch.randperm(n, device=DEVICE, generator=shuffle)",
            f"{indent}else:",
            f"{indent}    order = torch.arange(n, device=DEVICE)",
        ]

    def _epoch_loss(self) -> tuple[str, str]:
        """(the batch loop's line adding the batch's loss, the line giving the epoch's reported loss)."""
        report = self.job.loss_report
        if report == "epoch_sum":
            return "total_loss += loss.item()  # the epoch's loss: the batches' losses added up", (
                "train_loss = total_loss"
            )
        if report == "last_batch":
            return "total_loss += loss.item()", "train_loss = loss.item()  # the epoch's last batch"
        if self._sums:
            return "total_loss += loss.item()  # reduction='sum': the batch's total", "train_loss = total_loss / n"
        return "total_loss += loss.item() * len(xb)  # the epoch's loss: mean over samples", (
            "train_loss = total_loss / n"
        )

    def _evaluate_function(self, accuracy: bool) -> str:
        chunk = self.plan.eval_rows or EVAL_CHUNK  # as the trainer evaluates
        acc_eval = "            correct += count_correct(out, yb)"
        return "\n".join(
            [
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
                (
                    "            total_loss += loss_fn(out, yb).item()  # reduction='sum': the chunk's total"
                    if self._sums
                    else "            total_loss += loss_fn(out, yb).item() * len(xb)"
                ),
                *([acc_eval] if accuracy else []),
                "    model.train()",
                f"    return total_loss / len(x), {'correct / len(x)' if accuracy else 'None'}",
            ]
        )

    def _report(self, accuracy: bool) -> list[str]:
        """The tutorial's progress line, every PRINT_EVERY epochs (and after the first, to
        compare with the job's first train loss)."""
        return [
            "        if epoch == 1 or epoch % PRINT_EVERY == 0:",
            '            line = f"Epoch [{epoch}/{EPOCHS}], Loss: {train_loss:.4f}"',
            *(['            line += f", Accuracy: {correct / n:.4f}"'] if accuracy else []),
            "            if val_loss is not None:",
            '                line += f", Val Loss: {val_loss:.4f}"',
            *(['                line += f", Val Accuracy: {val_accuracy:.4f}"'] if accuracy else []),
            "            print(line)",
        ]

    def _steps(self) -> list[Step]:
        job = self.job
        accuracy = self.rule.correct is not None
        inner, after = self._scheduler_steps([""], "val_loss if val_loss is not None else train_loss")
        scheduler = self._scheduler("optimizer")
        clip = (
            [f"            nn.utils.clip_grad_norm_(model.parameters(), {number(job.grad_clip)})"]
            if job.grad_clip
            else []
        )
        acc_eval = "correct += count_correct(out, yb)"
        add_loss, epoch_loss = self._epoch_loss()
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
        loop = [
            "    n = len(x_train)",
            "    batch_size = min(BATCH_SIZE or n, n)",
            *([f"    scheduler = {scheduler}"] if scheduler else []),
            *(
                [
                    "    # The batches' order has its own generator, seeded apart from the weights.",
                    "    shuffle = torch.Generator(device=DEVICE).manual_seed(SEED)",
                ]
                if job.shuffle
                else []
            ),
            "    history = []  # the train loss of every epoch",
            *(["    best_val, stale = float('inf'), 0"] if job.early_stopping else []),
            "    for epoch in range(1, EPOCHS + 1):",
            "        model.train()",
            *self._order("        "),
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
            f"            {add_loss}",
            *([f"            {acc_eval}"] if accuracy else []),
            f"        {epoch_loss}",
            "        history.append(train_loss)",
            "        val_loss, val_accuracy = evaluate(model, loss_fn, x_test, y_test)",
            *[f"        {line}" for line in after],
            *self._report(accuracy),
            *early,
        ]
        evaluation = [
            "    loss, accuracy = evaluate(model, loss_fn, x_test, y_test)",
            "    if loss is not None:",
            '        print(f"final val_loss {loss:.6f}' + ('  val_accuracy {accuracy:.4f}")' if accuracy else '")'),
            "    model.eval()",
            "    with torch.no_grad():",
            "        print('predictions for the first 5 training samples:', model(x_train[:5]).tolist())",
        ]
        helpers = [*([self._correct_function()] if accuracy else []), self._evaluate_function(accuracy)]
        return [
            Step("data", [], ["    x_train, y_train, x_test, y_test = (t.to(DEVICE) for t in load_data())"]),
            Step(
                "model",
                [],
                [
                    "    torch.manual_seed(SEED)  # right before building the model: the job's initial weights",
                    f"    model = {self.model_class}().to(DEVICE)",
                    "    print(model)",
                ],
            ),
            Step("loss", [], [f"    loss_fn = {self._loss()}"]),
            Step("optimizer", [], [f"    optimizer = {self._optimizer('model.parameters()')}"]),
            Step("training", helpers, loop),
            Step("evaluation", [], evaluation),
        ]

    def _gan_steps(self) -> list[Step]:
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
        loop = [
            "    n = len(x_train)",
            "    batch_size = min(BATCH_SIZE or n, n)",
            *schedulers,
            "    shuffle = torch.Generator(device=DEVICE).manual_seed(SEED)  # the batches' order",
            "    noise = torch.Generator(device=DEVICE).manual_seed(SEED + 1)  # the generator's input",
            "    history = []  # the generator's loss of every epoch",
            "    for epoch in range(1, EPOCHS + 1):",
            "        generator.train()",
            "        discriminator.train()",
            *self._order("        "),
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
            "        history.append(g_loss)",
            *[f"        {line}" for line in after],
            "        if epoch == 1 or epoch % PRINT_EVERY == 0:",
            '            print(f"Epoch [{epoch}/{EPOCHS}], Loss: {g_loss:.4f}, D Loss: {d_loss:.4f}")',
        ]
        return [
            Step(
                "data",
                [],
                ["    x_train = load_data()[0].to(DEVICE)  # a GAN learns the training points' distribution"],
            ),
            Step(
                "model",
                [],
                [
                    "    torch.manual_seed(SEED)  # right before building the nets: the job's initial weights",
                    "    generator = Generator().to(DEVICE)",
                    "    discriminator = Discriminator().to(DEVICE)",
                    "    print(generator)",
                    "    print(discriminator)",
                ],
            ),
            Step("loss", [], ["    loss_fn = nn.BCEWithLogitsLoss()"]),
            Step(
                "optimizer",
                [],
                [
                    f"    opt_g = {self._optimizer('generator.parameters()')}",
                    f"    opt_d = {self._optimizer('discriminator.parameters()')}",
                ],
            ),
            Step("training", [], loop),
            Step(
                "evaluation",
                [],
                [
                    "    generator.eval()",
                    "    with torch.no_grad():",
                    "        samples = generator(torch.randn(5, LATENT_DIM, device=DEVICE))",
                    "    print('five generated samples:', samples.tolist())",
                ],
            ),
        ]
