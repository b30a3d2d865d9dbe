// Keeps `state.jobs` fresh: polls `GET /api/jobs` quickly while something runs and
// slowly otherwise; `refresh()` asks right away (after start, stop, delete).

// lifecycle: lib/job-controls.js createLifecycle(system.lifecycle) says which jobs are active.
export function createJobsPoller({ store, api, lifecycle, fast = 1500, slow = 5000 }) {
  let timer = null;
  let running = null;

  async function refresh() {
    if (running) return running;
    clearTimeout(timer);
    running = (async () => {
      try {
        const list = await api.listJobs();
        store.update((s) => ({ ...s, jobs: { list: Array.isArray(list) ? list : [], loaded: true, error: null } }));
      } catch (error) {
        store.update((s) => ({ ...s, jobs: { ...s.jobs, loaded: true, error: error.message } }));
      } finally {
        running = null;
        const busy = store.get().jobs.list.some((job) => lifecycle.active.has(job.status));
        timer = setTimeout(refresh, busy ? fast : slow);
      }
    })();
    return running;
  }

  return { refresh, start: refresh, stop: () => clearTimeout(timer) };
}
