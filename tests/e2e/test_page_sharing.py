"""A class on one server: a teacher (a user made with `torchplay users add`) starts a job
and shares it; the link, opened in a second browser, shows the live charts and no
controls; revoking it disconnects the viewer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from page_steps import TRAINING_TIMEOUT_MS, loss_points, set_training, start, wait_loss_points, wait_until
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.api.test_people import add_user
from tests.conftest import Server, start_server
from tests.e2e.conftest import open_in_new_context

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    server = start_server(tmp_path_factory.mktemp("e2e-class"), env={"TORCHPLAY_TOKEN": "the-admins-own-long-token"})
    made = add_user(server.data_dir, "teacher")
    assert made.returncode == 0, made.stderr
    student = add_user(server.data_dir, "student")
    assert student.returncode == 0, student.stderr
    server.token = student.stdout.strip()  # the student's, for the fork test's checks
    try:
        yield server, made.stdout.strip()
    finally:
        server.stop()


def test_a_share_link_shows_the_live_charts_and_no_controls(browser: Browser, class_server, shot) -> None:
    server, token = class_server
    errors: list[str] = []
    contexts: list[BrowserContext] = []

    def open_page(path: str) -> Page:
        return open_in_new_context(browser, server.url + path, errors, contexts)

    try:
        teacher = open_page(f"/?token={token}")
        expect(teacher.locator("[data-testid=whoami]")).to_have_text("Signed in as teacher")
        set_training(teacher, epochs=100_000)
        start(teacher)
        wait_loss_points(teacher, 2)
        expect(teacher.locator("[data-testid=stop]")).to_be_visible()
        teacher.click("[data-testid=share-open]")
        teacher.click("[data-testid=share-make]")
        url_field = teacher.locator("[data-testid=share-url]")
        expect(url_field).to_be_visible()
        link = url_field.input_value()
        assert link.startswith(server.url + "/?token=tps_") and "#job=" in link
        expect(teacher.locator("[data-testid=share-row]")).to_have_count(1)
        shot(teacher, "share-dialog", full_page=False)
        teacher.click("[data-testid=share-close]")

        viewer = open_page(link.removeprefix(server.url))
        expect(viewer.locator("[data-testid=whoami]")).to_have_text("Watching a shared job")
        expect(viewer.locator("body")).to_have_class("viewer-mode ready")
        before = (wait_loss_points(viewer, 2), loss_points(viewer))[1]
        wait_until(viewer, f"(document.querySelector('[data-testid=loss-chart]').data?.[0]?.x?.length ?? 0) > {before}")
        # Watching only: nothing to stop, pause, change or delete; no designer to start from.
        for control in (
            "stop",
            "pause",
            "resume",
            "step",
            "start",
            "row-stop",
            "row-delete",
            "share-open",
            "fork-open",
        ):
            expect(viewer.locator(f"[data-testid={control}]")).to_have_count(0)
        expect(viewer.locator("[data-testid=job-row]")).to_have_count(1)
        shot(viewer, "viewer", full_page=False)

        # A student signed in as themselves opens the same link: shared with them, watched,
        # and forked into a job of their own from one of its checkpoints.
        student = open_page(f"/?token={server.token}")
        expect(student.locator("[data-testid=whoami]")).to_have_text("Signed in as student")
        student.goto(link)
        student.wait_for_selector("body.ready")
        expect(student.locator("[data-testid=whoami]")).to_have_text("Signed in as student")
        expect(student.locator("[data-testid=row-shared]")).to_have_text("shared by teacher")
        expect(student.locator("[data-testid=job-owner]")).to_have_text("teacher's job")
        expect(student.locator("[data-testid=row-stop]")).to_have_count(0)
        expect(student.locator("[data-testid=share-open]")).to_have_count(0)
        wait_until(student, "document.querySelectorAll('[data-testid=loss-chart]')[0].data?.[0]?.x?.length >= 2")
        wait_until(
            student,
            "fetch('/api/jobs/' + location.hash.split('job=')[1] + '/checkpoints', {headers: {Authorization: "
            "'Bearer ' + sessionStorage.getItem('torchplay.token'), 'X-Torchplay-Share': "
            "JSON.parse(sessionStorage.getItem('torchplay.shares'))[0]}}).then((r) => r.json()).then((c) => c.length > 0)",
            timeout=TRAINING_TIMEOUT_MS,
        )
        student.click("[data-testid=fork-open]")
        expect(student.locator("[data-testid=fork-epoch] option").first).to_be_attached()
        student.fill("[data-testid=fork-epochs]", "200000")
        student.click("[data-testid=fork-submit]")
        expect(student.locator("[data-testid=forked-from]")).to_contain_text("forked from")
        expect(student.locator("[data-testid=job-owner]")).to_have_count(0)  # the fork is the student's own
        expect(student.locator("[data-testid=share-open]")).to_be_visible()
        shot(student, "forked", full_page=False)
        with server.client() as as_student:
            forks = [job for job in as_student.get("/api/jobs").json() if job["forked_from"]]
            assert len(forks) == 1 and forks[0]["owner"] == "student" and forks[0]["epochs"] == 200_000
            assert as_student.post(f"/api/jobs/{forks[0]['id']}/stop").status_code == 202

        # Revoked: the viewer's stream ends at once and its charts stop moving.
        teacher.click("[data-testid=share-open]")
        teacher.click("[data-testid=share-revoke]")
        expect(teacher.locator("[data-testid=share-row]")).to_have_count(0)
        viewer.wait_for_timeout(1500)
        frozen = loss_points(viewer)
        viewer.wait_for_timeout(1500)
        assert loss_points(viewer) == frozen, "a revoked link's charts no longer move"
        wait_loss_points(teacher, frozen + 1)  # while the job itself trains on
        teacher.click("[data-testid=share-close]")
        teacher.click("[data-testid=stop]")
        expect(teacher.locator("[data-testid=job-status]")).to_have_attribute(
            "data-status", "stopped", timeout=TRAINING_TIMEOUT_MS
        )
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
