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
 */
export function cpuCostPerAnswer(cpuSeconds, answers, cores) {
  const perAnswerUs = (seconds) => (answers > 0 ? (seconds * 1e6) / answers : null);
  const processes = {};
  for (const [name, seconds] of Object.entries(cpuSeconds)) {
    processes[name] = { cpuSeconds: seconds, usPerAnswer: perAnswerUs(seconds) };
  }
  const pipelineSeconds = PIPELINE.reduce((sum, name) => sum + (cpuSeconds[name] ?? 0), 0);
  const pipelineUs = perAnswerUs(pipelineSeconds);
  const generatorUs = perAnswerUs(cpuSeconds[LOAD_GENERATOR] ?? 0);
  return {
    answers,
    processes,
    pipeline: {
      counted: PIPELINE.filter((name) => cpuSeconds[name] !== undefined),
      usPerAnswer: pipelineUs,
      // What the pipeline's CPU alone allows on every core of this machine, and what is left once
      // the load generator (on the same machine) has taken its share.
      answersPerSecondOnAllCores: pipelineUs ? (cores * 1e6) / pipelineUs : null,
      answersPerSecondWithGenerator:
        pipelineUs && generatorUs !== null ? (cores * 1e6) / (pipelineUs + generatorUs) : null,
    },
    cores,
  };
}
