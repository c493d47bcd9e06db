// The Kubernetes manifests of deploy/k8s without a cluster: every object against the JSON schema of
// its Kubernetes API type (kubernetes-models), then what a schema cannot see: Services select
// Deployments' pods, probes hit routes the services serve, every variable is one the services
// read and the whole environment passes their configuration schemas, the Ingress reaches Services
// that exist and routes as the compose balancer does. Run: node --test tests/prod/k8s.test.mjs
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { ROOT, SERVICES } from './lib/docker.mjs';
import { nginxRoutes } from './lib/nginx.mjs';
import { loadSchemas, matchesRoute, servedRoutes, variablesRead } from './lib/services.mjs';

const DIR = join(ROOT, 'deploy/k8s');
const TEMPLATE = 'secret-template.yaml';
/** The API types the manifests may use, each with its schema-checking model. */
const MODELS = new Map(
  [
    Namespace,
    ConfigMap,
    Secret,
    Service,
    Deployment,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    Ingress,
  ].map((model) => [`${model.apiVersion}/${model.kind}`, model]),
);

/** Every object of a manifest file, with the file it came from. */
function objectsOf(file) {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))
    .map((doc) => {
      assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
      return doc.toJSON();
    })
    .filter(Boolean)
    .map((object) => ({ ...object, file }));
}

/** Schema-checks one object; returns the error message, or undefined when it is valid. */
function schemaErrorOf(object) {
  const model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (!model) return `${object.apiVersion} ${object.kind} is not a type these manifests may use`;
  const { file: _file, ...data } = object;
  try {
    new model(data).validate();
    return undefined;
  } catch (error) {
    return error.message;
  }
}

const kustomization = parseYaml(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'));
const manifestFiles = readdirSync(DIR).filter(
  (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
);
const applied = kustomization.resources.flatMap(objectsOf);
const secrets = objectsOf(TEMPLATE);
const all = [...applied, ...secrets];
const ofKind = (kind) => applied.filter((o) => o.kind === kind);
const named = (kind, name) => ofKind(kind).find((o) => o.metadata.name === name);
const labelsMatch = (selector, labels) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);

let schemas;
const routes = new Map();

before(async () => {
  schemas = await loadSchemas();
  for (const { name } of SERVICES) routes.set(name, await servedRoutes(name));
});

test('every manifest object passes the JSON schema of its Kubernetes API type', () => {
  assert.ok(all.length >= 17, `all objects read (${all.length})`);
  for (const object of all) {
    const error = schemaErrorOf(object);
    assert.equal(error, undefined, `${object.file}: ${object.kind} ${object.metadata?.name}`);
  }
});

test('the schema check refuses a broken object (it can fail)', () => {
  const deployment = structuredClone(named('Deployment', 'order-service'));
  deployment.spec.template.spec.containers[0].ports[0].containerPort = 'http';
  assert.match(schemaErrorOf(deployment), /containerPort must be integer/);
  const { spec: _spec, ...noSpec } = structuredClone(
    named('HorizontalPodAutoscaler', 'order-service'),
  );
  noSpec.spec = { maxReplicas: 3 };
  assert.match(schemaErrorOf(noSpec), /scaleTargetRef/);
  assert.match(schemaErrorOf({ apiVersion: 'v1', kind: 'Pod', metadata: {} }), /not a type/);
});

test('the kustomization applies every manifest but the Secret template, in one namespace', () => {
  assert.equal(kustomization.kind, 'Kustomization');
  assert.deepEqual(
    [...kustomization.resources].sort(),
    manifestFiles.filter((f) => f !== TEMPLATE).sort(),
  );
  assert.ok(!kustomization.resources.includes(TEMPLATE), 'placeholders never overwrite secrets');
  const [namespace] = ofKind('Namespace');
  assert.equal(kustomization.namespace, namespace.metadata.name);
  for (const object of all) {
    assert.ok(!object.metadata.namespace, `${object.file}: namespace set by the kustomization`);
  }
  // The images it sets are the ones the Deployments run.
  const images = ofKind('Deployment').map((d) => d.spec.template.spec.containers[0].image);
  for (const { name } of kustomization.images) {
    assert.ok(
      images.some((image) => image.startsWith(`${name}:`)),
      `${name} is used`,
    );
  }
});

/** The container of a service's Deployment. */
const containerOf = (service) => named('Deployment', service).spec.template.spec.containers[0];

test('a Deployment per service: probes on served routes, a drain, resources from measurements', () => {
  const peaks = peakRssMiB();
  for (const service of SERVICES) {
    const deployment = named('Deployment', service.name);
    assert.ok(deployment, `a Deployment ${service.name}`);
    const where = `${service.name}`;
    const { spec } = deployment;
    assert.ok(
      labelsMatch(spec.selector.matchLabels, spec.template.metadata.labels),
      `${where}: its selector selects its pods`,
    );
    assert.ok(spec.replicas >= 2, `${where}: at least two replicas`);
    const container = containerOf(service.name);
    assert.match(container.image, new RegExp(`^flash-sale/${service.name}:`), `${where}: image`);
    const http = container.ports.find((p) => p.name === 'http');
    assert.equal(http?.containerPort, service.port, `${where}: the port of its Dockerfile`);

    // Probes: HTTP on the service's own port, on routes it serves.
    const expected = {
      readinessProbe: '/api/health/ready',
      livenessProbe: '/api/health/live',
      startupProbe: '/api/health/live',
    };
    for (const [probe, path] of Object.entries(expected)) {
      const get = container[probe]?.httpGet;
      assert.equal(get?.path, path, `${where}: ${probe} ${path}`);
      assert.equal(get.port, 'http', `${where}: ${probe} on the http port`);
      assert.ok(matchesRoute(routes.get(service.name), path), `${where}: serves ${path}`);
    }
    // Drain: the endpoint goes before SIGTERM, and the grace period covers the drain.
    const preStop = container.lifecycle?.preStop?.exec?.command;
    assert.ok(preStop?.[0] === 'sleep' && Number(preStop[1]) > 0, `${where}: preStop sleep`);
    assert.ok(
      spec.template.spec.terminationGracePeriodSeconds >= Number(preStop[1]) + 30,
      `${where}: grace period covers preStop + the 30 s drain`,
    );

    // Requests and limits; memory above the highest RSS measured in docs/benchmark.
    const { requests, limits } = container.resources;
    for (const resource of ['cpu', 'memory']) {
      assert.ok(requests?.[resource] && limits?.[resource], `${where}: ${resource} request+limit`);
      const [request, limit] = [requests[resource], limits[resource]].map(quantity);
      assert.ok(request <= limit, `${where}: ${resource} request <= limit`);
    }
    const peak = peaks.get(service.name);
    assert.ok(peak > 100, `${where}: a measured peak RSS in docs/benchmark (${peak} MiB)`);
    assert.ok(
      quantity(limits.memory) >= peak * 1.25 * 2 ** 20,
      `${where}: memory limit ${limits.memory} leaves 25% over the measured ${Math.round(peak)} MiB`,
    );
    assert.ok(
      quantity(requests.memory) >= peak * 2 ** 20,
      `${where}: memory request ${requests.memory} covers the measured ${Math.round(peak)} MiB`,
    );
    // Least privilege: the image's non-root user, nothing writable but /tmp.
    const pod = spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true, `${where}: non-root`);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  }
});

test('every Service selects one Deployment and names ports its pods have', () => {
  const services = ofKind('Service');
  assert.equal(services.length, SERVICES.length);
  for (const service of services) {
    const matching = ofKind('Deployment').filter((d) =>
      labelsMatch(service.spec.selector, d.spec.template.metadata.labels),
    );
    assert.equal(matching.length, 1, `Service ${service.metadata.name} selects one Deployment`);
    assert.ok(Object.keys(service.spec.selector).length > 0, 'a non-empty selector');
    const container = matching[0].spec.template.spec.containers[0];
    for (const port of service.spec.ports) {
      assert.ok(
        container.ports.some(
          (p) => p.name === port.targetPort || p.containerPort === port.targetPort,
        ),
        `Service ${service.metadata.name}: targetPort ${port.targetPort} is a container port`,
      );
    }
  }
});

test('order-service autoscales; every Deployment has a PodDisruptionBudget that allows a drain', () => {
  const [hpa, ...others] = ofKind('HorizontalPodAutoscaler');
  assert.equal(others.length, 0);
  assert.deepEqual(hpa.spec.scaleTargetRef, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'order-service',
  });
  const deployment = named('Deployment', 'order-service');
  assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
  assert.equal(deployment.spec.replicas, hpa.spec.minReplicas, 'starts at the HPA minimum');
  const cpu = hpa.spec.metrics.find((m) => m.resource?.name === 'cpu');
  assert.ok(cpu?.resource.target.averageUtilization > 0, 'scales on CPU (needs a CPU request)');
  assert.ok(containerOf('order-service').resources.requests.cpu);
  // Consumers beyond the partitions idle: the HPA ceiling stays within them.
  const partitions = Number(named('ConfigMap', 'flash-sale-config').data.KAFKA_TOPIC_PARTITIONS);
  assert.ok(hpa.spec.maxReplicas <= partitions, 'maxReplicas <= KAFKA_TOPIC_PARTITIONS');

  for (const deployment of ofKind('Deployment')) {
    const budgets = ofKind('PodDisruptionBudget').filter((b) =>
      labelsMatch(b.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
    );
    assert.equal(budgets.length, 1, `${deployment.metadata.name}: one PodDisruptionBudget`);
    const [budget] = budgets;
    const allows =
      budget.spec.maxUnavailable >= 1 || budget.spec.minAvailable < deployment.spec.replicas;
    assert.ok(allows, `${deployment.metadata.name}: a node drain can evict one pod`);
  }
});

/** user-service's signing keys as an operator gives them (stands for the template's CHANGE-ME). */
const SIGNING_KEYS = JSON.stringify({
  keys: [{ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: 'k8s' }],
});

/** A pod's environment as Kubernetes builds it: envFrom in order, then env. */
function environmentOfPod(deployment) {
  const container = deployment.spec.template.spec.containers[0];
  const env = {};
  const sources = [];
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const map = named('ConfigMap', source.configMapRef.name);
      assert.ok(map, `${deployment.metadata.name}: ConfigMap ${source.configMapRef.name} exists`);
      Object.assign(env, map.data);
      sources.push(map);
    } else if (source.secretRef) {
      const secret = secrets.find((s) => s.metadata.name === source.secretRef.name);
      assert.ok(
        secret,
        `${deployment.metadata.name}: Secret ${source.secretRef.name} in ${TEMPLATE}`,
      );
      Object.assign(env, secret.stringData);
      sources.push(secret);
    }
  }
  for (const { name, value } of container.env ?? []) env[name] = value;
  return { env, sources };
}

test('every variable is one the service reads, and the environment passes its schema', () => {
  const configMap = named('ConfigMap', 'flash-sale-config');
  for (const service of SERVICES) {
    const deployment = named('Deployment', service.name);
    const where = service.name;
    const schema = schemas.get(service.name);
    const read = variablesRead(service.name, schema);
    const { env, sources } = environmentOfPod(deployment);
    const unknown = Object.keys(env).filter((name) => !read.has(name));
    assert.deepEqual(unknown, [], `${where}: variables the service does not read`);
    for (const value of Object.values(env)) {
      assert.equal(typeof value, 'string', `${where}: env values are strings (quoted in YAML)`);
    }
    // Its own Secret, holding the passwords (placeholders in the template).
    const secret = sources.find((s) => s.kind === 'Secret');
    assert.equal(secret?.metadata.name, `${service.name}-secrets`, `${where}: its own Secret`);
    for (const [name, value] of Object.entries(secret.stringData)) {
      assert.equal(
        value,
        'CHANGE-ME',
        `${TEMPLATE}: ${secret.metadata.name}.${name} a placeholder`,
      );
    }
    const filled = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        value === 'CHANGE-ME' ? (name === 'JWT_PRIVATE_KEYS' ? SIGNING_KEYS : `${name}-x`) : value,
      ]),
    );
    const parsed = schema.safeParse(filled);
    assert.ok(
      parsed.success,
      `${where}: ${parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
    const cfg = parsed.data;
    assert.equal(cfg.NODE_ENV, 'production');
    assert.equal(cfg.PORT, service.port, `${where}: PORT`);
    assert.equal(cfg.DB_DATABASE, service.database, `${where}: its own database`);
    assert.equal(cfg.DB_USERNAME, service.database, `${where}: its own MySQL user`);
    assert.equal(env.KAFKA_SASL_USERNAME, service.name, `${where}: its own Kafka user`);
    for (const name of ['DB_PASSWORD', 'REDIS_PASSWORD', 'KAFKA_SASL_PASSWORD']) {
      assert.ok(name in secret.stringData, `${where}: ${name} from its Secret`);
      assert.ok(!(name in configMap.data), `${where}: ${name} never in the ConfigMap`);
    }
    // Only user-service signs tokens; the others fetch its public keys.
    assert.equal('JWT_PRIVATE_KEYS' in env, service.name === 'user-service', `${where}: keys`);
    // Metrics on the pods' metrics port, not the one the Ingress reaches.
    const metrics = containerOf(service.name).ports.find((p) => p.name === 'metrics');
    assert.equal(cfg.METRICS_PORT, metrics?.containerPort, `${where}: METRICS_PORT`);
    assert.equal(env.WEB_CONCURRENCY, '1', `${where}: one worker per pod`);
    // Behind the Ingress: X-Forwarded-For believed from the cluster's proxies only, never from all
    // (`true` would take the left-most address, which the client writes).
    assert.ok(typeof cfg.TRUST_PROXY === 'string', `${where}: TRUST_PROXY names the proxies`);
    // No address may be left to a localhost default.
    for (const [name, value] of Object.entries(schema.parse({}))) {
      if (/localhost|127\.0\.0\.1/.test(JSON.stringify(value)) && !(name in env)) {
        // A Redis Cluster replaces the stand-alone REDIS_HOST.
        assert.ok(
          name === 'REDIS_HOST' && env.REDIS_CLUSTER_NODES,
          `${where}: ${name} must be set (its default ${value} is localhost)`,
        );
      }
    }
    // The other services' addresses are Services of these manifests, on routes they serve.
    for (const name of ['USER_SERVICE_URL', 'INVENTORY_SERVICE_URL', 'JWT_JWKS_URL']) {
      if (!(name in env)) continue;
      const url = new URL(env[name]);
      const target = named('Service', url.hostname);
      assert.ok(target, `${where}: ${name}: ${url.hostname} is a Service`);
      assert.ok(
        target.spec.ports.some((p) => p.port === Number(url.port) && p.targetPort === 'http'),
        `${where}: ${name}: port ${url.port} is its HTTP port`,
      );
      if (url.pathname !== '/') {
        assert.ok(matchesRoute(routes.get(url.hostname), url.pathname), `${name} is served`);
      }
    }
  }
  assert.ok(configMap.data.REDIS_CLUSTER_NODES, 'Redis Cluster seed nodes');
});

/** Ingress paths as { match, path, service, port }. */
function ingressRoutes() {
  return ofKind('Ingress').flatMap((ingress) =>
    ingress.spec.rules.flatMap((rule) =>
      rule.http.paths.map((p) => ({
        match: p.pathType === 'Exact' ? 'exact' : 'prefix',
        pathType: p.pathType,
        path: p.path,
        service: p.backend.service.name,
        port: p.backend.service.port.name ?? p.backend.service.port.number,
      })),
    ),
  );
}

test('the Ingress reaches existing Services and routes exactly as the compose balancer', () => {
  const paths = ingressRoutes();
  for (const route of paths) {
    assert.ok(['Exact', 'Prefix'].includes(route.pathType), `${route.path}: Exact or Prefix`);
    const service = named('Service', route.service);
    assert.ok(service, `${route.path}: Service ${route.service} exists`);
    assert.ok(
      service.spec.ports.some((p) => p.name === route.port || p.port === route.port),
      `${route.path}: port ${route.port} of ${route.service}`,
    );
    assert.ok(
      service.spec.ports.find((p) => p.name === route.port)?.targetPort === 'http',
      `${route.path}: the HTTP port, never metrics`,
    );
    const served = routes.get(route.service);
    const reachable =
      route.match === 'exact'
        ? matchesRoute(served, route.path)
        : served.some((r) => r.path === route.path || r.path.startsWith(`${route.path}/`));
    assert.ok(reachable, `${route.path} -> ${route.service}: a route it serves`);
  }
  // Same paths, same matching, same services as deploy/nginx/nginx.conf's proxied locations
  // (the balancer's /health/<service> routes excepted: the probes do that job here).
  const balancer = nginxRoutes(readFileSync(join(ROOT, 'deploy/nginx/nginx.conf'), 'utf8'))
    .locations.filter((l) => l.upstream && !l.path.startsWith('/health/'))
    .map((l) => `${l.match} ${l.path} -> ${l.upstream.host}`)
    .sort();
  assert.deepEqual(paths.map((r) => `${r.match} ${r.path} -> ${r.service}`).sort(), balancer);
  // Server-Sent Events pass unbuffered.
  const events = ofKind('Ingress').find((i) =>
    i.spec.rules.some((r) => r.http.paths.some((p) => p.path === '/sale/events')),
  );
  assert.equal(events.metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
  assert.equal(events.spec.rules[0].http.paths.length, 1, 'the SSE settings apply to it alone');
});

test('the README names who provides Kafka, Redis Cluster and MySQL', () => {
  const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
  assert.match(readme, /\*\*Kafka\*\*:.*Strimzi/);
  assert.match(readme, /\*\*Redis Cluster\*\*:.*operator/);
  assert.match(readme, /\*\*MySQL\*\*:.*MariaDB operator/s);
  assert.match(readme, /GET_LOCK/, 'says migrations run at start under a lock');
});

/** A Kubernetes quantity (`250m`, `1`, `320Mi`, `1Gi`) as a number (cores or bytes). */
function quantity(text) {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(String(text));
  assert.ok(match, `a quantity: ${text}`);
  const factor = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[match[2]] ?? 1;
  return Number(match[1]) * factor;
}

/** The highest RSS each service reached in the benchmark runs kept in docs/benchmark. */
function peakRssMiB() {
  const dir = join(ROOT, 'docs/benchmark');
  const peaks = new Map();
  for (const file of readdirSync(dir).filter((f) => /^flash-sale-.*\.json$/.test(f))) {
    const run = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const [name, figures] of Object.entries(run.resources?.wholeRun?.processes ?? {})) {
      peaks.set(name, Math.max(peaks.get(name) ?? 0, figures.peakRssMiB ?? 0));
    }
  }
  return peaks;
}
