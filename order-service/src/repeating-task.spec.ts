import { RepeatingTask } from './repeating-task.js';

describe(RepeatingTask.name, () => {
  it('runs one at a time, goes on after a failure, and stop() waits for the run in progress', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const errors: string[] = [];
    let finishRun: (() => void) | undefined;
    const task = new RepeatingTask(
      async () => {
        runs += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        if (runs === 1) {
          active -= 1;
          throw new Error('first run fails');
        }
        await new Promise<void>((resolve) => (finishRun = resolve));
        active -= 1;
      },
      1,
      (error) => errors.push(error.message),
    );
    task.start(0);
    while (runs < 2) await new Promise((r) => setTimeout(r, 1));
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    finishRun?.();
    await stopping;
    await new Promise((r) => setTimeout(r, 10));
    expect(errors).toEqual(['first run fails']);
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
  });
});
