// The chaos run's own Kafka: one KRaft node (broker + controller, plaintext) run from the jars that
// scripts/infra.sh fetches, with its own ports, properties and data dir under .cache/chaos, so the
// run may SIGSTOP it, kill -9 it and restart it without touching the shared broker.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGroup, waitFor } from './processes.mjs';

const run = promisify(execFile);
const READY_LINE = 'Kafka Server started';

function javaBin() {
  const home = process.env.JAVA_HOME;
  return home && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
}

/** True once something accepts TCP connections on host:port. */
export function portOpen(port, host = '127.0.0.1', timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export class ChaosKafka {
  /**
   * @param {{root: string, dir: string, libs: string, port: number, controllerPort: number, logDir: string}} o
   */
  constructor(o) {
    Object.assign(this, o);
    this.data = join(o.dir, 'data');
    this.props = join(o.dir, 'server.properties');
    this.proc = undefined;
    this.starts = 0;
  }

  get broker() {
    return `127.0.0.1:${this.port}`;
  }

  /** Fresh properties and storage: a new cluster every run. */
  async prepare() {
    if (!existsSync(this.libs) || !existsSync(join(this.libs, '.complete'))) {
      throw new Error(
        `no Kafka jars in ${this.libs}: run \`npm run infra:up\` once (it fetches them), or set CHAOS_KAFKA_LIBS`,
      );
    }
    for (const port of [this.port, this.controllerPort]) {
      if (await portOpen(port)) throw new Error(`port ${port} is already in use (chaos Kafka)`);
    }
    rmSync(this.data, { recursive: true, force: true });
    mkdirSync(this.data, { recursive: true });
    const template = readFileSync(join(this.root, 'infra', 'kafka', 'server.properties'), 'utf8');
    const kept = template
      .split('\n')
      .filter(
        (l) =>
          !/^\s*(log\.dirs|listeners|advertised\.listeners|controller\.quorum\.bootstrap\.servers|listener\.|inter\.broker\.listener\.name|sasl\.|authorizer\.|allow\.everyone|super\.users)/.test(
            l,
          ),
      );
    kept.push(
      '# ---- written by tests/chaos',
      `log.dirs=${this.data}`,
      `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `controller.quorum.bootstrap.servers=127.0.0.1:${this.controllerPort}`,
      // PLAINTEXT and no authorizer: the template's SASL/ACL lines (the development broker's) are
      // left out above; this broker is the suite's own, on 127.0.0.1, and the faults are the point.
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      // A restarted broker must not wait long for the previous incarnation's session.
      'log.retention.check.interval.ms=300000',
    );
    writeFileSync(this.props, `${kept.join('\n')}\n`);
    const cp = `${this.libs}/*`;
    const { stdout } = await run(javaBin(), ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid']);
    await run(javaBin(), [
      '-cp',
      cp,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      stdout.trim(),
      '-c',
      this.props,
      '--standalone',
      '-g',
    ]);
  }

  /** Starts the broker (same data dir each time) and waits until it says it started. */
  async start(timeoutMs = 120_000) {
    this.starts += 1;
    const name = `kafka-${this.starts}`;
    this.proc = startGroup(
      name,
      javaBin(),
      [
        '-Xms128m',
        '-Xmx384m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(this.root, 'infra', 'kafka', 'log4j2.properties')}`,
        `-Dkafka.logs.dir=${join(this.dir, 'logs')}`,
        '-cp',
        `${this.libs}/*`,
        'kafka.Kafka',
        this.props,
      ],
      { cwd: this.dir, env: process.env, logDir: this.logDir },
    );
    const proc = this.proc;
    await waitFor(
      `Kafka on ${this.broker}`,
      async () => {
        if (!existsSync(proc.logFile) || statSync(proc.logFile).size === 0) return false;
        return readFileSync(proc.logFile, 'utf8').includes(READY_LINE) && portOpen(this.port);
      },
      {
        timeoutMs,
        everyMs: 500,
        abortIf: () => (proc.alive() ? undefined : `exited; see ${proc.logFile}`),
      },
    );
  }

  pause() {
    this.proc?.signal('SIGSTOP');
  }

  resume() {
    this.proc?.signal('SIGCONT');
  }

  async kill() {
    await this.proc?.kill();
  }

  async stop() {
    await this.proc?.stop(15_000);
  }
}
