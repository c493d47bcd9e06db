// Checks of the container set-up that need no Docker engine: the service Dockerfiles, the build
// context, and both compose files as a compose client resolves them (`config`), against the
// services' own configuration schemas. Run: node --test tests/prod/compose.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  ROOT,
  SERVICES,
  composeConfig,
  copyBuildContext,
  environmentOf,
  findComposeClient,
  healthcheckOf,
  parseDockerfile,
  portsOf,
  stageImage,
  volumesOf,
} from './lib/docker.mjs';
import { metricNames } from './lib/promql.mjs';
import { variablesRead } from './lib/services.mjs';

/** user-service's signing keys as an operator gives them: a private Ed25519 JWK Set. */
const SIGNING_JWK = {
  ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
  kid: 'compose-check',
};
const JWT_PRIVATE_KEYS = JSON.stringify({ keys: [SIGNING_JWK] });
const INFRA = ['mariadb', 'redis', 'kafka'];
/** One-shot containers: the services wait for them to finish successfully. */
const ONE_SHOT = ['kafka-acls'];
const KAFKA_VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(
  readFileSync(join(ROOT, 'infra/kafka/pom.xml'), 'utf8'),
)[1];
const INIT_SQL = readFileSync(join(ROOT, 'infra/mysql/init.sql'), 'utf8');
/** What the compose Kafka containers mount at /etc/flash-kafka, and run from it. */
const KAFKA_DIR = join(ROOT, 'infra/kafka');
const KAFKA_MOUNT = '/etc/flash-kafka';
const KAFKA_ENTRYPOINT = ['bash', `${KAFKA_MOUNT}/compose-entrypoint.sh`];
const KAFKA_DATA = '/var/lib/kafka/data';

/** `key=value` lines of a .properties file (no continuation lines in ours). */
function readProperties(path) {
  const props = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([^#!\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (match) props[match[1]] = match[2].trim();
  }
  return props;
}

/** The rules of infra/kafka/acls.conf: principal, operations, resource type, pattern, names. */
function aclRules() {
  return readFileSync(join(KAFKA_DIR, 'acls.conf'), 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([first]) => first && !first.startsWith('#'))
    .map(([principal, ops, kind, pattern, names]) => ({
      principal,
      ops: ops.split(','),
      kind,
      pattern,
      names: names.split(','),
    }));
}

/** The env variable of a Kafka user's password, as scripts/infra.sh names it. */
const passwordVariable = (user) => `KAFKA_${user.toUpperCase().replaceAll('-', '_')}_PASSWORD`;

/** Whether a resolved volume is mounted read-only, whichever syntax the client printed. */
const readOnly = (service, target) =>
  (service.volumes ?? []).some((v) =>
    typeof v === 'object'
      ? v.target === target && v.read_only === true
      : v.endsWith(`:${target}:ro`),
  );

let client;
const schemas = new Map();
/** packages/common's Kafka credentials module (the users and the services' SASL choice). */
let credentials;

before(async () => {
  client = findComposeClient();
  // The services' env schemas, from their build (made by `npm test`, or here if missing).
  if (SERVICES.some((s) => !existsSync(join(ROOT, s.name, 'dist/config.js')))) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(build.status, 0, 'npm run build failed');
  }
  for (const service of SERVICES) {
    const module = await import(pathToFileURL(join(ROOT, service.name, 'dist/config.js')).href);
    const [, schema] = Object.entries(module).find(([name]) => name.endsWith('EnvSchema'));
    schemas.set(service.name, schema);
  }
  credentials = await import(
    pathToFileURL(join(ROOT, 'packages/common/dist/kafka/kafka-credentials.js')).href
  );
});

function dockerfileOf(service) {
  const path = join(ROOT, service.name, 'Dockerfile');
  return { path, text: readFileSync(path, 'utf8') };
}

test('one Dockerfile per service: multi-stage, LTS Node, production deps, non-root, health', () => {
  for (const service of SERVICES) {
    const { path, text } = dockerfileOf(service);
    const parsed = parseDockerfile(text, path);
    assert.ok(parsed.stages.length >= 2, `${path}: a build stage and a runtime stage`);
    for (const stage of parsed.stages) {
      assert.match(stageImage(parsed, stage), /^node:24(\.\d+)*-bookworm-slim$/, path);
    }
    const runs = (stage) => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    const runtime = parsed.stages.at(-1);
    const build = parsed.stages.find((s) => runs(s).some((r) => /\bnpm run build\b/.test(r)));
    assert.ok(build && build !== runtime, `${path}: a separate stage runs npm run build`);
    assert.ok(
      runs(runtime).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
      `${path}: the runtime stage installs production dependencies only`,
    );
    assert.ok(
      !runs(runtime).some((r) => /\bnpm (ci|install)\b(?!.*--omit=dev)/.test(r)),
      `${path}: no dev dependencies in the runtime stage`,
    );
    for (const pkg of ['packages/contracts', 'packages/common', service.name]) {
      assert.ok(
        runtime.instructions.some(
          (i) => i.op === 'COPY' && i.flags.from === build.name && i.args.includes(`${pkg}/dist`),
        ),
        `${path}: the runtime stage takes ${pkg}/dist from the build stage`,
      );
    }
    const user = runtime.instructions.findLast((i) => i.op === 'USER')?.args;
    assert.ok(user && !['root', '0', '0:0'].includes(user), `${path}: runs as a non-root user`);
    const workdir = runtime.instructions.findLast((i) => i.op === 'WORKDIR')?.args;
    assert.equal(workdir, `/app/${service.name}`, `${path}: starts in the service's folder`);
    const expose = runtime.instructions.find((i) => i.op === 'EXPOSE')?.args;
    assert.equal(expose, String(service.port), `${path}: EXPOSE ${service.port}`);
    const health = healthcheckOf(runtime);
    assert.ok(health, `${path}: HEALTHCHECK`);
    assert.match(health.command.join(' '), /\/api\/health/, `${path}: HEALTHCHECK /api/health`);
    const cmd = runtime.instructions.findLast((i) => i.op === 'CMD')?.args;
    assert.match(cmd ?? '', /^\["node",.*"dist\/main\.js"\]$/, `${path}: CMD node dist/main.js`);
  }
  // The three files differ only in the service's name and port, so they cannot drift apart.
  // (Every file copies all the workspace manifests: those lines are left as they are.)
  const normalised = SERVICES.map((service) =>
    dockerfileOf(service)
      .text.split('\n')
      .map((line) =>
        /^COPY \S+\/package\.json /.test(line)
          ? line
          : line.replaceAll(service.name, '<service>').replaceAll(String(service.port), '<port>'),
      )
      .join('\n'),
  );
  for (let i = 1; i < normalised.length; i++) {
    assert.equal(
      normalised[i],
      normalised[0],
      `${SERVICES[i].name}/Dockerfile differs from user-service/Dockerfile beyond name and port`,
    );
  }
});

test('.dockerignore keeps dependencies, builds, secrets and local state out of the context', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flash-context-'));
  try {
    const files = copyBuildContext(ROOT, dir);
    const leaked = files.filter((f) =>
      /(^|\/)(node_modules|dist|coverage|\.git|\.cache|\.run|logs)(\/|$)|(^|\/)\.env$|\.tsbuildinfo$/.test(
        f,
      ),
    );
    assert.deepEqual(leaked, [], 'files that must not be in the build context');
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'tsconfig.build.json',
      ...SERVICES.map((s) => `${s.name}/tsconfig.build.json`),
      'packages/common/tsconfig.build.json',
      'packages/contracts/tsconfig.build.json',
    ]) {
      assert.ok(files.includes(needed), `${needed} is in the build context`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Resolves a compose file, failing with the client's message. */
function resolved(file, variables = { JWT_PRIVATE_KEYS }) {
  const result = composeConfig(client, file, variables);
  assert.equal(result.status, 0, `${client.version}: ${file} does not parse:\n${result.output}`);
  return result.config;
}

function checkInfrastructure(file, services, { published }) {
  // The database the tests run on: the MariaDB LTS line of this machine's server (10.11).
  assert.match(services.mariadb.image, /^mariadb:10\.11(\.\d+)?$/, `${file}: MariaDB 10.11 LTS`);
  assert.deepEqual(
    services.mariadb.healthcheck.test,
    ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized'],
    `${file}: MariaDB healthy once it takes TCP connections`,
  );
  assert.match(services.redis.image, /^redis:7(\.|-|$)/, `${file}: Redis 7`);
  assert.equal(
    services.kafka.image,
    `apache/kafka:${KAFKA_VERSION}`,
    `${file}: Kafka as in pom.xml`,
  );
  for (const name of INFRA) {
    const test = services[name].healthcheck?.test;
    assert.ok(Array.isArray(test) && test[0] !== 'NONE', `${file}: ${name} has a healthcheck`);
  }
  const dataDirs = {
    mariadb: '/var/lib/mysql',
    redis: '/data',
    kafka: KAFKA_DATA,
  };
  for (const [name, target] of Object.entries(dataDirs)) {
    const volume = volumesOf(services[name]).find((v) => v.target === target);
    assert.equal(volume?.type, 'volume', `${file}: ${name} keeps ${target} in a named volume`);
  }
  const init = volumesOf(services.mariadb).find((v) =>
    v.target.startsWith('/docker-entrypoint-initdb.d'),
  );
  assert.ok(init && existsSync(init.source), `${file}: infra/mysql/init.sql mounted into MariaDB`);
  assert.equal(readFileSync(init.source, 'utf8'), INIT_SQL);
  // One MySQL user per service (infra/mysql/users.sh), created after the databases.
  const users = volumesOf(services.mariadb).find(
    (v) => v.target === '/docker-entrypoint-initdb.d/users.sh',
  );
  assert.equal(users?.source, join(ROOT, 'infra/mysql/users.sh'), `${file}: users.sh mounted`);
  assert.ok('users.sh' > 'init.sql', 'the entrypoint runs users.sh after init.sql');
  checkKafka(file, services);
  for (const [name, port] of Object.entries(published)) {
    const ports = portsOf(services[name]);
    if (port === undefined) assert.deepEqual(ports, [], `${file}: ${name} is not published`);
    else {
      assert.deepEqual(
        ports.map((p) => [p.hostIp, p.published, p.target]),
        [['127.0.0.1', port, port]],
        `${file}: ${name} on 127.0.0.1:${port} only`,
      );
    }
  }
}

/**
 * The Kafka broker of a compose file runs as scripts/infra.sh's does: infra/kafka's entrypoint
 * configures it from the same server.properties (SASL/SCRAM, ACLs), formats the storage with the
 * SCRAM users, and the kafka-acls one-shot grants the same acls.conf.
 */
function checkKafka(file, services) {
  const { kafka } = services;
  const acls = services['kafka-acls'];
  const env = environmentOf(kafka);
  assert.deepEqual(kafka.entrypoint, KAFKA_ENTRYPOINT, `${file}: kafka runs the entrypoint`);
  assert.deepEqual(kafka.command, ['broker'], `${file}: kafka runs the broker`);
  for (const name of ['compose-entrypoint.sh', 'server.properties', 'acls.conf']) {
    for (const [service, spec] of [
      ['kafka', kafka],
      ['kafka-acls', acls],
    ]) {
      assert.equal(
        mountedFile(spec, `${KAFKA_MOUNT}/${name}`),
        join(KAFKA_DIR, name),
        `${file}: ${service} mounts infra/kafka/${name}`,
      );
    }
  }
  assert.ok(readOnly(kafka, KAFKA_MOUNT) && readOnly(acls, KAFKA_MOUNT), `${file}: mounted :ro`);
  assert.ok(env.CLUSTER_ID, `${file}: CLUSTER_ID (storage is formatted with it)`);
  // The image's KAFKA_* -> property mapping is not used: such variables would be ignored.
  const ignored = Object.keys(env).filter((n) =>
    /^KAFKA_(LISTENERS|ADVERTISED_LISTENERS|PROCESS_ROLES|NODE_ID|LOG_DIRS|.*_PROTOCOL_MAP)$/.test(
      n,
    ),
  );
  assert.deepEqual(ignored, [], `${file}: kafka variables the entrypoint does not read`);

  // The configuration the entrypoint starts from: infra.sh's, secured.
  const props = readProperties(join(KAFKA_DIR, 'server.properties'));
  assert.deepEqual(props['process.roles'].split(',').sort(), ['broker', 'controller']);
  assert.deepEqual(
    props['listener.security.protocol.map'].split(',').sort(),
    ['BROKER:SASL_PLAINTEXT', 'CONTROLLER:SASL_PLAINTEXT'],
    'server.properties: both listeners authenticate',
  );
  assert.equal(props['listener.name.broker.sasl.enabled.mechanisms'], 'SCRAM-SHA-512');
  assert.equal(props['sasl.mechanism.inter.broker.protocol'], 'SCRAM-SHA-512');
  assert.equal(props['listener.name.controller.sasl.enabled.mechanisms'], 'PLAIN');
  assert.equal(props['sasl.mechanism.controller.protocol'], 'PLAIN');
  assert.equal(
    props['authorizer.class.name'],
    'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  );
  assert.equal(props['allow.everyone.if.no.acl.found'], 'false');
  assert.equal(props['super.users'], 'User:admin');

  // The SCRAM users: the ones infra.sh formats and packages/common knows, each with a password.
  const script = readFileSync(join(KAFKA_DIR, 'compose-entrypoint.sh'), 'utf8');
  const infra = readFileSync(join(ROOT, 'scripts/infra.sh'), 'utf8');
  const users = /^USERS=\(([^)]*)\)/m.exec(script)?.[1].split(/\s+/);
  assert.deepEqual(users, /^KAFKA_USERS=\(([^)]*)\)/m.exec(infra)?.[1].split(/\s+/));
  assert.deepEqual(users, credentials.DEV_KAFKA_USERS, 'the users packages/common knows');
  for (const user of users) {
    assert.ok(env[passwordVariable(user)], `${file}: kafka has ${passwordVariable(user)}`);
  }
  for (const rule of aclRules()) {
    assert.ok(users.includes(rule.principal), `acls.conf: ${rule.principal} is a SCRAM user`);
  }

  // Healthy once it takes admin's SCRAM login (a plain probe would be refused).
  const health = kafka.healthcheck.test.join(' ');
  assert.match(health, /kafka-broker-api-versions\.sh .*--command-config \S+/, `${file}: SASL`);

  // The ACLs: the same image and entrypoint, as admin, once the broker is healthy.
  assert.equal(acls.image, kafka.image, `${file}: kafka-acls uses the broker's image`);
  assert.deepEqual(acls.entrypoint, KAFKA_ENTRYPOINT);
  assert.deepEqual(acls.command, ['acls']);
  assert.equal(acls.depends_on?.kafka?.condition, 'service_healthy', `${file}: after the broker`);
  assert.equal(String(acls.restart ?? 'no'), 'no', `${file}: kafka-acls runs once`);
  const aclEnv = environmentOf(acls);
  assert.equal(aclEnv.KAFKA_ADMIN_PASSWORD, env.KAFKA_ADMIN_PASSWORD, `${file}: as admin`);
  assert.deepEqual(
    Object.keys(aclEnv).filter((n) => n.endsWith('_PASSWORD')),
    ['KAFKA_ADMIN_PASSWORD'],
    `${file}: kafka-acls holds admin's password only`,
  );
  // It reaches the broker where the broker advertises itself (or shares its network).
  if (acls.network_mode === 'service:kafka') {
    assert.match(env.KAFKA_ADVERTISED, /^127\.0\.0\.1:/);
  }
  assert.equal(aclEnv.KAFKA_BOOTSTRAP, env.KAFKA_ADVERTISED, `${file}: kafka-acls's bootstrap`);
  assert.deepEqual(portsOf(acls), [], `${file}: kafka-acls publishes nothing`);
}

test('docker-compose.dev.yml: MariaDB LTS, Redis 7 and Kafka with healthchecks and named volumes', () => {
  const config = resolved('docker-compose.dev.yml', {});
  assert.deepEqual(Object.keys(config.services).sort(), [...INFRA, ...ONE_SHOT].sort());
  checkInfrastructure('docker-compose.dev.yml', config.services, {
    published: { mariadb: 3306, redis: 6379, kafka: 9092 },
  });
  const kafka = environmentOf(config.services.kafka);
  // The host's services use their defaults: 127.0.0.1:9092 with their development Kafka user,
  // their own MySQL user with its development password (users.sh's default).
  assert.equal(kafka.KAFKA_ADVERTISED, '127.0.0.1:9092');
  assert.equal(config.services['kafka-acls'].network_mode, 'service:kafka');
  for (const user of credentials.DEV_KAFKA_USERS) {
    assert.equal(kafka[passwordVariable(user)], credentials.devKafkaPassword(user), user);
  }
  // Like infra.sh, a volume formatted otherwise is development data: formatted again.
  assert.equal(kafka.RESET_STORAGE_ON_CHANGE, 'true');
  assert.equal(config.services.mariadb.environment.MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, 'yes');
  for (const [name, schema] of schemas) {
    const defaults = schema.parse({});
    const database = SERVICES.find((s) => s.name === name).database;
    assert.deepEqual(defaults.KAFKA_BROKER, ['127.0.0.1:9092']);
    assert.equal(`${defaults.DB_HOST}:${defaults.DB_PORT}`, '127.0.0.1:3306');
    assert.equal(defaults.DB_USERNAME, database);
    assert.equal(defaults.DB_PASSWORD, `${database}-dev-password`);
    assert.equal(`${defaults.REDIS_HOST}:${defaults.REDIS_PORT}`, '127.0.0.1:6379');
    // With no configuration, a host service logs in as its own user with the broker's password.
    assert.deepEqual(credentials.kafkaSasl(defaults, name), {
      mechanism: 'SCRAM-SHA-512',
      username: name,
      password: kafka[passwordVariable(name)],
    });
  }
});

test('docker-compose.yml: the infrastructure and the three services, configured by env', () => {
  const file = 'docker-compose.yml';
  const config = resolved(file);
  const { services } = config;
  // Services of a profile (observability) are left aside here; a client lists them or not.
  const always = Object.keys(services).filter((name) => !services[name].profiles?.length);
  assert.deepEqual(
    always.sort(),
    [...INFRA, ...ONE_SHOT, ...SERVICES.map((s) => s.name), 'balancer'].sort(),
  );
  checkInfrastructure(file, services, {
    published: { mariadb: undefined, redis: undefined, kafka: undefined },
  });
  const kafka = environmentOf(services.kafka);
  assert.equal(kafka.KAFKA_ADVERTISED, 'kafka:9092', `${file}: kafka advertised on the network`);
  assert.ok(!('RESET_STORAGE_ON_CHANGE' in kafka), `${file}: the broker's data is never deleted`);

  for (const service of SERVICES) {
    const spec = services[service.name];
    const where = `${file}: ${service.name}`;
    // Built from the workspace root with the service's own Dockerfile.
    assert.equal(spec.build.context, ROOT, `${where}: build context is the repository root`);
    const dockerfile = isAbsolute(spec.build.dockerfile)
      ? spec.build.dockerfile
      : join(spec.build.context, spec.build.dockerfile);
    assert.equal(dockerfile, join(ROOT, service.name, 'Dockerfile'), `${where}: its Dockerfile`);
    assert.ok(existsSync(dockerfile), `${where}: ${dockerfile} exists`);

    // Started after the infrastructure is healthy.
    for (const dependency of INFRA) {
      assert.equal(
        spec.depends_on?.[dependency]?.condition,
        'service_healthy',
        `${where}: waits for ${dependency} to be healthy`,
      );
    }
    for (const dependency of ONE_SHOT) {
      assert.equal(
        spec.depends_on?.[dependency]?.condition,
        'service_completed_successfully',
        `${where}: waits for ${dependency} to finish`,
      );
    }

    // Every variable is one the service reads, and the whole set passes its validation.
    const env = environmentOf(spec);
    const schema = schemas.get(service.name);
    const read = variablesRead(service.name, schema);
    const unknown = Object.keys(spec.environment ?? {}).filter((name) => !read.has(name));
    assert.deepEqual(unknown, [], `${where}: variables the service does not know`);
    const parsed = schema.safeParse(env);
    assert.ok(
      parsed.success,
      `${where}: ${parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
    const cfg = parsed.data;
    // In a container, localhost is the container itself: no address may be left to its default.
    for (const [name, value] of Object.entries(schema.parse({}))) {
      if (/localhost|127\.0\.0\.1/.test(JSON.stringify(value))) {
        assert.ok(name in env, `${where}: ${name} must be set (its default ${value} is localhost)`);
      }
    }
    assert.equal(cfg.NODE_ENV, 'production', `${where}: NODE_ENV=production`);
    assert.equal(cfg.PORT, service.port, `${where}: PORT`);
    assert.equal(cfg.DB_DATABASE, service.database, `${where}: DB_DATABASE`);
    assert.ok(INIT_SQL.includes(`\`${cfg.DB_DATABASE}\``), `${where}: init.sql creates the DB`);
    assert.ok(cfg.DB_HOST in services && cfg.DB_HOST === 'mariadb', `${where}: DB_HOST=mariadb`);
    assert.equal(cfg.DB_PORT, 3306);
    // Its own MySQL user (infra/mysql/users.sh), with the password MariaDB gives it.
    assert.equal(cfg.DB_USERNAME, cfg.DB_DATABASE, `${where}: its own MySQL user`);
    assert.equal(
      cfg.DB_PASSWORD,
      services.mariadb.environment[`${cfg.DB_DATABASE.toUpperCase()}_DB_PASSWORD`],
      `${where}: DB_PASSWORD is the one users.sh sets`,
    );
    assert.equal(`${cfg.REDIS_HOST}:${cfg.REDIS_PORT}`, 'redis:6379', `${where}: Redis`);
    const requirepass = services.redis.command[services.redis.command.indexOf('--requirepass') + 1];
    assert.ok(requirepass, `${file}: Redis requires a password`);
    assert.equal(cfg.REDIS_PASSWORD, requirepass, `${where}: REDIS_PASSWORD is Redis's`);
    assert.deepEqual(cfg.KAFKA_BROKER, [kafka.KAFKA_ADVERTISED], `${where}: the broker`);
    // Its own SCRAM user, with the password the broker was formatted with (the default mechanism).
    assert.ok(!('KAFKA_SASL_MECHANISM' in env), `${where}: SCRAM-SHA-512, not "none"`);
    assert.deepEqual(
      credentials.kafkaSasl(cfg, service.name),
      {
        mechanism: 'SCRAM-SHA-512',
        username: service.name,
        password: kafka[passwordVariable(service.name)],
      },
      `${where}: logs into Kafka as ${service.name}`,
    );
    if (service.name === 'user-service') {
      assert.deepEqual(cfg.JWT_PRIVATE_KEYS, [SIGNING_JWK], `${where}: keys from the environment`);
    } else {
      // Verifiers hold no signing key: they fetch user-service's public ones.
      assert.ok(!('JWT_PRIVATE_KEYS' in env), `${where}: no private key`);
      assert.equal(cfg.JWT_JWKS, undefined, `${where}: keys fetched, not given`);
    }
    for (const other of SERVICES) {
      const url = cfg[`${other.name.split('-')[0].toUpperCase()}_SERVICE_URL`];
      if (url !== undefined) {
        assert.equal(url, `http://${other.name}:${other.port}`, `${where}: ${other.name}'s URL`);
      }
    }
    // No host port (the balancer is the entry point), so --scale can start several replicas.
    assert.deepEqual(portsOf(spec), [], `${where}: publishes no host port`);
    assert.deepEqual((spec.expose ?? []).map(String), [String(service.port)], `${where}: expose`);
    assert.equal(spec.container_name, undefined, `${where}: no fixed container name`);
    // Worker processes per replica, 1 unless WEB_CONCURRENCY says otherwise.
    assert.equal(env.WEB_CONCURRENCY, '1', `${where}: WEB_CONCURRENCY defaults to 1`);
    assert.equal(cfg.TRUST_PROXY, true, `${where}: trusts the balancer's X-Forwarded-For`);
  }

  // Optional variables reach the services when set, and are left out when not.
  const withAdmin = resolved(file, {
    JWT_PRIVATE_KEYS,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'admin-password-123',
    LOG_LEVEL: 'warn',
    WEB_CONCURRENCY: '2',
    MARIADB_ROOT_PASSWORD: 'another-password',
    USER_SERVICE_DB_PASSWORD: 'user-db-password',
    REDIS_PASSWORD: 'redis-password',
    KAFKA_ORDER_SERVICE_PASSWORD: 'order-kafka-password',
    KAFKA_ADMIN_PASSWORD: 'admin-kafka-password',
  }).services;
  const user = environmentOf(withAdmin['user-service']);
  assert.equal(user.ADMIN_USERNAME, 'admin');
  assert.equal(user.ADMIN_PASSWORD, 'admin-password-123');
  assert.equal(user.LOG_LEVEL, 'warn');
  assert.equal(user.DB_PASSWORD, 'user-db-password');
  assert.equal(withAdmin.mariadb.environment.USER_SERVICE_DB_PASSWORD, 'user-db-password');
  assert.equal(withAdmin.mariadb.environment.MARIADB_ROOT_PASSWORD, 'another-password');
  assert.equal(user.REDIS_PASSWORD, 'redis-password');
  assert.ok(withAdmin.redis.command.includes('redis-password'));
  assert.equal(withAdmin.redis.environment.REDISCLI_AUTH, 'redis-password');
  assert.ok(schemas.get('user-service').safeParse(user).success);
  const order = environmentOf(withAdmin['order-service']);
  assert.equal(order.WEB_CONCURRENCY, '2', 'WEB_CONCURRENCY reaches the services');
  assert.equal(order.KAFKA_SASL_PASSWORD, 'order-kafka-password');
  assert.equal(withAdmin.kafka.environment.KAFKA_ORDER_SERVICE_PASSWORD, 'order-kafka-password');
  assert.equal(withAdmin.kafka.environment.KAFKA_ADMIN_PASSWORD, 'admin-kafka-password');
  assert.equal(withAdmin['kafka-acls'].environment.KAFKA_ADMIN_PASSWORD, 'admin-kafka-password');
  const plain = environmentOf(services['user-service']);
  assert.ok(!('ADMIN_USERNAME' in plain) && !('ADMIN_PASSWORD' in plain));
});

test('docker-compose.yml stops with a clear message when JWT_PRIVATE_KEYS is not set', () => {
  const result = composeConfig(client, 'docker-compose.yml', {});
  assert.notEqual(result.status, 0, 'config must fail without JWT_PRIVATE_KEYS');
  assert.match(result.output, /JWT_PRIVATE_KEYS is required/);
  // The development compose file needs nothing.
  assert.equal(composeConfig(client, 'docker-compose.dev.yml', {}).status, 0);
});

test('the two compose files are separate projects', () => {
  const name = (file) => /^name:\s*(\S+)/m.exec(readFileSync(join(ROOT, file), 'utf8'))?.[1];
  assert.equal(name('docker-compose.yml'), 'flash-sale');
  assert.equal(name('docker-compose.dev.yml'), 'flash-sale-dev');
});

// ------------------------------------------------------------------ observability profile

const OBSERVABILITY = ['prometheus', 'grafana'];
const readYaml = (path) => parseYaml(readFileSync(join(ROOT, path), 'utf8'));
const DASHBOARD = 'deploy/grafana/dashboards/flash-sale.json';

/**
 * The metrics the dashboard may query: what the services export (prom-client's process and
 * Node.js metrics included) under the names the issues fixed, and Prometheus's own `up`.
 */
const HISTOGRAMS = ['order_settle_seconds', 'http_request_duration_seconds'];
const METRICS = [
  'orders_placed_total',
  'orders_settled_total',
  'outbox_pending',
  'kafka_consumer_lag',
  'dlq_messages_total',
  'stock_deductions_total',
  'stock_counter_drift',
  'stock_counter_drift_products',
  'stock_counter_repairs_total',
  ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
  'up',
];
const isKnownMetric = (name) => METRICS.includes(name) || /^(process|nodejs)_/.test(name);

/** The file a bind mount of `service` at `target` (or under it) serves from the repository. */
function mountedFile(service, target) {
  const mount = volumesOf(service)
    .filter((v) => v.type === 'bind' && (target === v.target || target.startsWith(`${v.target}/`)))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return mount && join(mount.source, target.slice(mount.target.length));
}

test('metricNames reads the metric names of a PromQL expression', () => {
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{route!~"/api/(health|metrics)"}[5m]))) / on (job) group_left up * 1e3',
    ),
    ['http_request_duration_seconds_bucket', 'up'],
  );
  assert.deepEqual(metricNames('sum(outbox_pending) or vector(0)'), ['outbox_pending']);
  assert.deepEqual(metricNames('stock_counter_drift != 0 and bool x_total offset 5m'), [
    'stock_counter_drift',
    'x_total',
  ]);
});

test('docker-compose.yml, profile observability: Prometheus and Grafana from deploy/', () => {
  const file = 'docker-compose.yml';
  const { services } = resolved(file, { JWT_PRIVATE_KEYS, COMPOSE_PROFILES: 'observability' });
  for (const name of OBSERVABILITY) {
    assert.deepEqual(
      services[name]?.profiles,
      ['observability'],
      `${file}: ${name} in the profile`,
    );
    const test = services[name].healthcheck?.test;
    assert.ok(Array.isArray(test) && test[0] !== 'NONE', `${file}: ${name} has a healthcheck`);
    for (const port of portsOf(services[name])) {
      assert.equal(port.hostIp, '127.0.0.1', `${file}: ${name} published on 127.0.0.1 only`);
    }
  }
  const profiled = Object.keys(services).filter((name) => services[name].profiles?.length);
  assert.deepEqual(profiled.sort(), [...OBSERVABILITY].sort(), 'only these two are optional');
  const { prometheus, grafana } = services;
  assert.match(prometheus.image, /^prom\/prometheus:v3\.\d+\.\d+$/);
  assert.match(grafana.image, /^grafana\/grafana:\d+\.\d+\.\d+$/);
  assert.equal(volumesOf(prometheus).find((v) => v.target === '/prometheus')?.type, 'volume');
  assert.equal(volumesOf(grafana).find((v) => v.target === '/var/lib/grafana')?.type, 'volume');
  assert.equal(grafana.depends_on?.prometheus?.condition, 'service_healthy');

  // Prometheus reads deploy/prometheus/prometheus.yml, which scrapes every replica of the three
  // services (a DNS A lookup of the service name lists them all).
  const configFlag = prometheus.command.find((c) => c.startsWith('--config.file='));
  const configFile = mountedFile(prometheus, configFlag.split('=')[1]);
  assert.equal(configFile, join(ROOT, 'deploy/prometheus/prometheus.yml'));
  const scrape = readYaml('deploy/prometheus/prometheus.yml');
  for (const service of SERVICES) {
    const job = scrape.scrape_configs.find((j) => j.job_name === service.name);
    assert.ok(job, `prometheus.yml: a job ${service.name}`);
    assert.equal(job.metrics_path, '/api/metrics', `prometheus.yml: ${service.name} /api/metrics`);
    const port = Number(environmentOf(services[service.name]).PORT);
    assert.deepEqual(
      job.dns_sd_configs,
      [{ names: [service.name], type: 'A', port, refresh_interval: '10s' }],
      `prometheus.yml: every replica of ${service.name}`,
    );
    assert.equal(job.static_configs, undefined, `prometheus.yml: ${service.name} by DNS only`);
  }
  assert.equal(scrape.scrape_configs.length, SERVICES.length, 'prometheus.yml: the three jobs');

  // Grafana: the provisioning folder and the dashboards folder it names, both mounted.
  const provisioning = mountedFile(grafana, '/etc/grafana/provisioning');
  assert.equal(provisioning, join(ROOT, 'deploy/grafana/provisioning'));
  const datasources = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml');
  const [source] = datasources.datasources;
  assert.equal(datasources.datasources.length, 1);
  assert.equal(source.type, 'prometheus');
  const url = new URL(source.url);
  assert.ok(url.hostname in services, 'the datasource is a compose service');
  assert.equal(url.hostname, 'prometheus');
  assert.equal(url.port, '9090', 'Prometheus listens on 9090 in its container');
  const providers = readYaml('deploy/grafana/provisioning/dashboards/flash-sale.yml').providers;
  assert.equal(providers.length, 1);
  assert.equal(providers[0].type, 'file');
  assert.equal(
    mountedFile(grafana, providers[0].options.path),
    join(ROOT, 'deploy/grafana/dashboards'),
    'the provider reads the mounted deploy/grafana/dashboards',
  );
  const home = environmentOf(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
  assert.equal(mountedFile(grafana, home), join(ROOT, DASHBOARD), 'home dashboard');
});

test('the Grafana dashboard queries only metrics the services export, on the provisioned source', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, DASHBOARD), 'utf8'));
  const { uid } = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml').datasources[0];
  assert.ok(dashboard.uid && dashboard.title, 'a dashboard with a uid and a title');
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const queried = new Set();
  for (const panel of panels.filter((p) => p.type !== 'row')) {
    const where = `panel "${panel.title}"`;
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${where} fits the 24-column grid`);
    assert.ok(panel.targets?.length > 0, `${where} has queries`);
    for (const target of [panel, ...panel.targets]) {
      assert.deepEqual(target.datasource, { type: 'prometheus', uid }, `${where}: datasource`);
    }
    for (const { expr } of panel.targets) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where}: ${expr} reads a metric`);
      const unknown = names.filter((n) => !isKnownMetric(n));
      assert.deepEqual(unknown, [], `${where}: ${expr} reads metrics no service exports`);
      for (const name of names) queried.add(name);
    }
  }
  // Every metric the issues named is on the dashboard (the stock repairs are a detail).
  const shown = METRICS.filter((m) => !/_(sum|count)$/.test(m) && m !== 'up');
  for (const name of shown) assert.ok(queried.has(name), `the dashboard shows ${name}`);
  // The metrics that exist in the code today are spelled as the code spells them.
  const sources = {
    http_request_duration_seconds: 'packages/common/src/metrics/metrics.service.ts',
    stock_counter_drift: 'order-service/src/stock/stock-reconciler.ts',
    stock_counter_drift_products: 'order-service/src/stock/stock-reconciler.ts',
    stock_counter_repairs_total: 'order-service/src/stock/stock-reconciler.ts',
  };
  for (const [name, file] of Object.entries(sources)) {
    assert.ok(
      readFileSync(join(ROOT, file), 'utf8').includes(`name: '${name}'`),
      `${name} in ${file}`,
    );
  }
});

// ------------------------------------------------------------------ Kafka entrypoint

/**
 * infra/kafka/compose-entrypoint.sh outside a container: the Kafka commands it calls are
 * stand-ins that record their arguments (what it gives the real ones is checked; the broker
 * itself is scripts/infra.sh's, tested with the services).
 */
function entrypointSandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'flash-kafka-entrypoint-'));
  const bin = join(dir, 'bin');
  const data = join(dir, 'data');
  const config = join(dir, 'config');
  for (const d of [bin, data, config]) mkdirSync(d);
  const log = join(dir, 'calls.log');
  const stub = (name, body = '') => {
    const path = join(bin, name);
    writeFileSync(
      path,
      `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >>"$STUB_LOG"\n${body}\n`,
    );
    chmodSync(path, 0o755);
  };
  stub('kafka-storage.sh', 'touch "$FLASH_KAFKA_DATA/meta.properties"');
  stub('kafka-server-start.sh');
  // The ACL tool also records the client config it was given.
  stub(
    'kafka-acls.sh',
    'while (($#)); do [[ $1 == --command-config ]] && grep -h sasl "$2" >>"$STUB_LOG"; shift; done; exit "${STUB_ACLS_EXIT:-0}"',
  );
  const passwords = {
    KAFKA_ADMIN_PASSWORD: 'admin-secret',
    KAFKA_ORDER_SERVICE_PASSWORD: 'order-secret',
    KAFKA_INVENTORY_SERVICE_PASSWORD: 'inventory-secret',
    KAFKA_USER_SERVICE_PASSWORD: 'user-secret',
  };
  const run = (mode, env = {}) => {
    const result = spawnSync('bash', [join(KAFKA_DIR, 'compose-entrypoint.sh'), mode], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        STUB_LOG: log,
        FLASH_KAFKA_BIN: bin,
        FLASH_KAFKA_CONF_DIR: KAFKA_DIR,
        FLASH_KAFKA_DATA: data,
        FLASH_KAFKA_CONFIG_DIR: config,
        CLUSTER_ID: '1WECTlyjSoCAUADQ2fP4cg',
        KAFKA_ADVERTISED: 'kafka:9092',
        ...passwords,
        ...env,
      },
    });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    rmSync(log, { force: true });
    return { status: result.status, output: `${result.stdout}${result.stderr}`, calls };
  };
  return {
    dir,
    data,
    config,
    run,
    passwords,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('the Kafka entrypoint passes bash -n and shellcheck (when installed)', () => {
  const script = join(KAFKA_DIR, 'compose-entrypoint.sh');
  const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(syntax.status, 0, syntax.stderr);
  const shellcheck = spawnSync('shellcheck', [script], { encoding: 'utf8' });
  if (!shellcheck.error) assert.equal(shellcheck.status, 0, shellcheck.stdout);
});

test('the Kafka entrypoint formats the storage with the SCRAM users once, then starts the broker', () => {
  const box = entrypointSandbox();
  try {
    const first = box.run('broker');
    assert.equal(first.status, 0, first.output);
    const props = join(box.config, 'flash-server.properties');
    assert.deepEqual(first.calls, [
      [
        'kafka-storage.sh format -t 1WECTlyjSoCAUADQ2fP4cg -c',
        props,
        '--standalone',
        '--add-scram SCRAM-SHA-512=[name=admin,password=admin-secret]',
        '--add-scram SCRAM-SHA-512=[name=order-service,password=order-secret]',
        '--add-scram SCRAM-SHA-512=[name=inventory-service,password=inventory-secret]',
        '--add-scram SCRAM-SHA-512=[name=user-service,password=user-secret]',
      ].join(' '),
      `kafka-server-start.sh ${props}`,
    ]);
    // infra/kafka/server.properties with the container's addresses and the broker's own logins.
    const written = readProperties(props);
    const template = readProperties(join(KAFKA_DIR, 'server.properties'));
    for (const [key, value] of Object.entries(template)) {
      if (
        !/^(log\.dirs|listeners|advertised\.listeners|controller\.quorum\.bootstrap\.servers)$/.test(
          key,
        )
      ) {
        assert.equal(written[key], value, `runtime config keeps ${key}`);
      }
    }
    assert.equal(written['log.dirs'], box.data);
    assert.equal(written.listeners, 'BROKER://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093');
    assert.equal(
      written['advertised.listeners'],
      'BROKER://kafka:9092,CONTROLLER://127.0.0.1:9093',
    );
    assert.equal(written['controller.quorum.bootstrap.servers'], '127.0.0.1:9093');
    assert.match(
      written['listener.name.broker.scram-sha-512.sasl.jaas.config'],
      /ScramLoginModule required username="admin" password="admin-secret";$/,
    );
    assert.match(
      written['listener.name.controller.plain.sasl.jaas.config'],
      /PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret";$/,
    );
    // The healthcheck's client config: admin over SCRAM. Both files hold a password: mode 600.
    const admin = readProperties(join(box.config, 'flash-admin.properties'));
    assert.equal(admin['security.protocol'], 'SASL_PLAINTEXT');
    assert.equal(admin['sasl.mechanism'], 'SCRAM-SHA-512');
    assert.match(admin['sasl.jaas.config'], /username="admin" password="admin-secret";$/);
    for (const file of ['flash-server.properties', 'flash-admin.properties']) {
      assert.equal(statSync(join(box.config, file)).mode & 0o777, 0o600, file);
    }
    assert.ok(!readFileSync(join(box.data, '.flash-security'), 'utf8').includes('secret'));

    // Restart: formatted already, started at once.
    const again = box.run('broker');
    assert.equal(again.status, 0, again.output);
    assert.deepEqual(again.calls, [`kafka-server-start.sh ${props}`]);

    // Another password: refused with what to do, the data left alone...
    const changed = box.run('broker', { KAFKA_ORDER_SERVICE_PASSWORD: 'new-secret' });
    assert.notEqual(changed.status, 0);
    assert.match(changed.output, /formatted without these SCRAM users/);
    assert.match(changed.output, /docker volume rm/);
    assert.deepEqual(changed.calls, []);
    // ...unless it was changed on the broker and recorded (adopt)...
    const adopted = box.run('adopt', { KAFKA_ORDER_SERVICE_PASSWORD: 'new-secret' });
    assert.equal(adopted.status, 0, adopted.output);
    const started = box.run('broker', { KAFKA_ORDER_SERVICE_PASSWORD: 'new-secret' });
    assert.deepEqual(started.calls, [`kafka-server-start.sh ${props}`], started.output);
    // ...or the storage may be deleted (docker-compose.dev.yml): formatted again.
    writeFileSync(join(box.data, '__consumer_offsets-0'), '');
    const reset = box.run('broker', { RESET_STORAGE_ON_CHANGE: 'true' });
    assert.equal(reset.status, 0, reset.output);
    assert.match(reset.calls[0], /^kafka-storage\.sh format .*password=order-secret\]/);
    assert.ok(!existsSync(join(box.data, '__consumer_offsets-0')), 'old data deleted');

    // A missing password or one the JAAS config cannot quote: a clear error, nothing started.
    const missing = box.run('broker', { KAFKA_USER_SERVICE_PASSWORD: '' });
    assert.notEqual(missing.status, 0);
    assert.match(missing.output, /KAFKA_USER_SERVICE_PASSWORD is not set/);
    const quoted = box.run('broker', { KAFKA_ADMIN_PASSWORD: 'a"b' });
    assert.notEqual(quoted.status, 0);
    assert.match(quoted.output, /password of admin contains/);
    assert.deepEqual([...missing.calls, ...quoted.calls], []);
  } finally {
    box.cleanup();
  }
});

test('the Kafka entrypoint grants every rule of acls.conf as admin', () => {
  const box = entrypointSandbox();
  try {
    // Only admin's password is needed.
    const result = box.run('acls', {
      KAFKA_BOOTSTRAP: 'kafka:9092',
      KAFKA_ORDER_SERVICE_PASSWORD: '',
      KAFKA_INVENTORY_SERVICE_PASSWORD: '',
      KAFKA_USER_SERVICE_PASSWORD: '',
    });
    assert.equal(result.status, 0, result.output);
    const calls = result.calls.filter((c) => c.startsWith('kafka-acls.sh'));
    const logins = result.calls.filter((c) => c.startsWith('sasl.'));
    const expected = aclRules().map((rule) =>
      [
        'kafka-acls.sh --bootstrap-server kafka:9092 --command-config <config> --add',
        `--allow-principal User:${rule.principal} --resource-pattern-type ${rule.pattern}`,
        ...rule.ops.map((op) => `--operation ${op}`),
        ...rule.names.map((name) => `--${rule.kind} ${name}`),
      ].join(' '),
    );
    assert.ok(expected.length >= 8, 'acls.conf has the services rules');
    assert.deepEqual(
      calls.map((c) => c.replace(/--command-config \S+/, '--command-config <config>')).sort(),
      expected.sort(),
    );
    assert.equal(logins.length, 2 * expected.length, 'each call is given the admin client config');
    assert.ok(logins.some((l) => /username="admin" password="admin-secret";$/.test(l)));
    assert.ok(logins.includes('sasl.mechanism=SCRAM-SHA-512'));

    // A refused grant fails the one-shot, so the services do not start.
    const failed = box.run('acls', { STUB_ACLS_EXIT: '1' });
    assert.notEqual(failed.status, 0);
    assert.match(failed.output, /could not grant the Kafka ACLs/);
  } finally {
    box.cleanup();
  }
});
