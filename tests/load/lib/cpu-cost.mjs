// CPU cost per answer: each process's CPU time over a phase (utime + stime from /proc, read at the
// phase's edges) divided by the answers of that phase. Unlike requests per second, this hardly
// moves when other work shares the machine, so runs on a busy machine can still be compared.

/** The processes that carry an order (the load generator is shown apart). */
export const PIPELINE = ['order-service', 'inventory-service', 'redis', 'mariadb', 'kafka'];
export const LOAD_GENERATOR = 'bench (autocannon)';

/**
 * µs of CPU per answer for every process of one phase.
 * @param {Record<string, number>} cpuSeconds process name -> CPU seconds during the phase
 * @param {number} answers the answers the phase is about (201s of the order phase, 409s when sold out)
 * @param {number} cores the machine's cores
 * @param {{seconds: number, idleCpuPerSecond: Record<string, number>}} [baseline] the phase's
 *   length and each process's CPU use per second while idle (timers, consumer polls, other users
 *   of a shared Redis/MariaDB/Kafka): subtracted for the net figures, which do not grow when a
 *   slow machine stretches the phase
 */
export function cpuCostPerAnswer(cpuSeconds, answers, cores, baseline) {
  const perAnswerUs = (seconds) => (answers > 0 ? (seconds * 1e6) / answers : null);
  const netSeconds = (name, seconds) =>
    baseline
      ? Math.max(0, seconds - (baseline.idleCpuPerSecond[name] ?? 0) * baseline.seconds)
      : null;
  const processes = {};
  for (const [name, seconds] of Object.entries(cpuSeconds)) {
    const net = netSeconds(name, seconds);
    processes[name] = {
      cpuSeconds: seconds,
      usPerAnswer: perAnswerUs(seconds),
      netUsPerAnswer: net === null ? null : perAnswerUs(net),
    };
  }
  const pipelineSeconds = PIPELINE.reduce((sum, name) => sum + (cpuSeconds[name] ?? 0), 0);
  const pipelineNetSeconds = baseline
    ? PIPELINE.reduce((sum, name) => sum + (netSeconds(name, cpuSeconds[name] ?? 0) ?? 0), 0)
    : null;
  const pipelineUs = perAnswerUs(pipelineSeconds);
  const generatorUs = perAnswerUs(cpuSeconds[LOAD_GENERATOR] ?? 0);
  return {
    answers,
    processes,
    pipeline: {
      counted: PIPELINE.filter((name) => cpuSeconds[name] !== undefined),
      usPerAnswer: pipelineUs,
      netUsPerAnswer: pipelineNetSeconds === null ? null : perAnswerUs(pipelineNetSeconds),
      // What the pipeline's CPU alone allows on every core of this machine, and what is left once
      // the load generator (on the same machine) has taken its share.
      answersPerSecondOnAllCores: pipelineUs ? (cores * 1e6) / pipelineUs : null,
      answersPerSecondWithGenerator:
        pipelineUs && generatorUs !== null ? (cores * 1e6) / (pipelineUs + generatorUs) : null,
    },
    cores,
  };
}
