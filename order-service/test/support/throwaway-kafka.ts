import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './stack.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Where the broker's jars are: `KAFKA_LIBS`, else `$FLASH_INFRA_CACHE/kafka/libs` (as
 * scripts/infra.sh lays them out; `<repo>/.cache` by default). `scripts/infra.sh up` fetches them.
 */
function kafkaLibs(): string {
  const libs =
    process.env.KAFKA_LIBS ??
    join(process.env.FLASH_INFRA_CACHE ?? join(ROOT, '.cache'), 'kafka', 'libs');
  if (!existsSync(libs)) {
    throw new Error(
      `no Kafka jars in ${libs}: run scripts/infra.sh up once, or set KAFKA_LIBS / FLASH_INFRA_CACHE`,
    );
  }
  return libs;
}

/**
 * A single-node KRaft broker of this test's own (the same jars and settings as scripts/infra.sh,
 * a data directory under the temp dir), so a test can pause or kill it without touching the
 * broker everyone else shares. Ports: `THROWAWAY_KAFKA_PORT` / `THROWAWAY_KAFKA_CONTROLLER_PORT`,
 * else free ones.
 */
export class ThrowawayKafka {
  private output = '';
  private readonly exited: Promise<unknown>;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    this.exited = new Promise((resolve) => child.once('exit', resolve));
  }

  get broker(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The port the next {@link start} should use (so services can be started alongside). */
  static async choosePort(): Promise<number> {
    return Number(process.env.THROWAWAY_KAFKA_PORT ?? (await freePort()));
  }

  static async start(port: number, timeoutMs = 90_000): Promise<ThrowawayKafka> {
    const libs = kafkaLibs();
    const controller = Number(process.env.THROWAWAY_KAFKA_CONTROLLER_PORT ?? (await freePort()));
    const dataDir = mkdtempSync(join(tmpdir(), 'throwaway-kafka-'));
    const props = join(dataDir, 'server.properties');
    writeFileSync(
      props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${join(dataDir, 'data')}`,
        'num.partitions=3',
        'default.replication.factor=1',
        'min.insync.replicas=1',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'num.network.threads=1',
        'num.io.threads=2',
        '',
      ].join('\n'),
    );
    const jvm = [
      '-Xms128m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      // scripts/infra.sh's logging: the start line on stdout, the rest under the data dir.
      `-Dlog4j2.configurationFile=${join(ROOT, 'infra', 'kafka', 'log4j2.properties')}`,
      `-Dkafka.logs.dir=${join(dataDir, 'logs')}`,
    ];
    const classpath = ['-cp', `${libs}/*`];
    // A cluster id is 16 random bytes in URL-safe base64 (what StorageTool random-uuid prints).
    const clusterId = randomBytes(16).toString('base64url');
    await run('java', [
      ...jvm,
      ...classpath,
      'kafka.tools.StorageTool',
      'format',
      // One argument: an id may start with '-', which the tool would read as an option.
      `--cluster-id=${clusterId}`,
      '-c',
      props,
      '--standalone',
    ]);
    const child = spawn('java', [...jvm, ...classpath, 'kafka.Kafka', props], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kafka = new ThrowawayKafka(port, child, dataDir);
    const deadline = Date.now() + timeoutMs;
    while (!kafka.output.includes('Kafka Server started')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await kafka.stop();
        throw new Error(`throwaway Kafka did not start:\n${kafka.output.slice(-3_000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return kafka;
  }

  /** Freezes the broker (SIGSTOP): connections stay open and nothing is answered. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private record(chunk: Buffer): void {
    this.output += chunk.toString();
    if (this.output.length > 100_000) this.output = this.output.slice(-50_000);
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${output}`)),
    );
  });
}
