import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { ADMIN_PASSWORD, ADMIN_USERNAME, INVENTORY_URL, ORDER_URL, USER_URL } from './env.js';
import pMap from 'p-map';
import { client, pollUntil, requestFrom, type HttpResult } from './http.js';

export const users = client(USER_URL);
export const orders = client(ORDER_URL);
export const inventory = client(INVENTORY_URL);

/**
 * Ids unique to this test file in this run: every suite shares the databases and Redis with the
 * other suites and with earlier runs, so nothing is ever looked up by a fixed name.
 */
const RUN = `${Date.now().toString(36).slice(-5)}${randomBytes(3).toString('hex')}`;
let sequence = 0;

/** A fresh identifier made of [a-z0-9], at most 8 + 1 + 11 + digits characters. */
export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}${RUN}${sequence}`;
}

export function uniqueProductId(): string {
  return uniqueId('e2e-p-');
}

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

export interface NewUserInput {
  username: string;
  email: string;
  password: string;
}

export function newUserInput(): NewUserInput {
  const username = uniqueId('u_');
  return { username, email: `${username}@example.com`, password: `pw-${username}-secret` };
}

const USER_SERVICE_IS_LOCAL = ['127.0.0.1', 'localhost'].includes(new URL(USER_URL).hostname);
let buyerAddresses = 0;

/**
 * The address the next buyer signs up and in from. A crowd of real buyers comes from many
 * addresses; from one, the suites would share (in Redis, across runs and with everyone else's
 * suites on this machine) the registration and login buckets of 127.0.0.1. All of 127.0.0.0/8 is
 * this machine, so a service on loopback sees each buyer at an address of its own.
 */
function nextBuyerAddress(): string | undefined {
  if (!USER_SERVICE_IS_LOCAL) return undefined;
  buyerAddresses += 1;
  return `127.77.${Math.floor(buyerAddresses / 250) % 250}.${(buyerAddresses % 250) + 1}`;
}

/** Registers and signs in a new user; fails the test if either step is refused. */
export async function createUser(): Promise<TestUser> {
  const input = newUserInput();
  const address = nextBuyerAddress();
  const registered =
    address === undefined
      ? await users.post('/api/users/register', { json: input })
      : await requestFrom(address, 'POST', `${USER_URL}/api/users/register`, { json: input });
  expect(registered.status).toBe(201);
  const token = await login(input.username, input.password, address);
  return { ...input, id: registered.body.id, token };
}

/**
 * Many users at once, registered and signed in with bounded concurrency: argon2 costs user-service
 * CPU per call, and logins still in flight count against the per-address throttle.
 */
export async function createUsers(count: number, concurrency = 12): Promise<TestUser[]> {
  return pMap(Array.from({ length: count }), () => createUser(), { concurrency });
}

/** Signs in (from `fromAddress`, a loopback address, when given); fails unless 200. */
export async function login(
  username: string,
  password: string,
  fromAddress?: string,
): Promise<string> {
  const json = { username, password };
  const res =
    fromAddress === undefined
      ? await users.post('/api/users/login', { json })
      : await requestFrom(fromAddress, 'POST', `${USER_URL}/api/users/login`, { json });
  if (res.status !== 200) {
    throw new Error(`login of ${username} answered ${res.status}: ${res.text}`);
  }
  return res.body.accessToken as string;
}

let adminToken: Promise<string> | undefined;

/** The admin's token, signed in once per test file. */
export function getAdminToken(): Promise<string> {
  adminToken ??= login(ADMIN_USERNAME, ADMIN_PASSWORD);
  return adminToken;
}

export interface ProductInput {
  productId?: string;
  name?: string;
  priceCents?: number;
  stock: number;
  maxPerUser?: number;
}

/** Creates a product as the admin (MySQL stock and the Redis counter); returns its id. */
export async function createProduct(input: ProductInput): Promise<string> {
  const productId = input.productId ?? uniqueProductId();
  const res = await inventory.post('/api/inventory', {
    token: await getAdminToken(),
    json: { name: `Test ${productId}`, priceCents: 1_250, ...input, productId },
  });
  if (res.status !== 201) throw new Error(`creating ${productId}: ${res.status} ${res.text}`);
  return productId;
}

export async function deleteProduct(productId: string): Promise<void> {
  await inventory.delete(`/api/inventory/${productId}`, { token: await getAdminToken() });
}

/** MySQL stock of record, via inventory-service. */
export async function mysqlStock(productId: string): Promise<number | null> {
  const res = await inventory.get(`/api/inventory/${productId}`);
  return res.status === 200 ? (res.body.stock as number) : null;
}

/** The Redis counter, via order-service. */
export async function redisStock(productId: string): Promise<number | null> {
  const res = await orders.get(`/api/stock/${productId}`);
  return res.status === 200 ? (res.body.stock as number) : null;
}

/** Polls until both the Redis counter and MySQL stock equal `expected` (or 15 s pass). */
export async function expectStockSettles(productId: string, expected: number): Promise<void> {
  const both = await pollUntil(
    async () => ({ redis: await redisStock(productId), mysql: await mysqlStock(productId) }),
    (s) => s.redis === expected && s.mysql === expected,
  );
  expect(both).toEqual({ redis: expected, mysql: expected });
}

export function placeOrder(
  token: string,
  productId: string | number,
  quantity = 1,
  idempotencyKey?: string,
): Promise<HttpResult> {
  return orders.post('/api/orders', {
    token,
    json: { productId, quantity },
    headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
  });
}

export async function getOrder(token: string, orderId: string): Promise<HttpResult> {
  return orders.get(`/api/orders/${orderId}`, { token });
}

/** Polls an order until it leaves PENDING (or `timeoutMs` passes); returns its last state. */
export async function settledOrder(
  token: string,
  orderId: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const res = await pollUntil(
    () => getOrder(token, orderId),
    (r) => r.status !== 200 || r.body.status !== 'PENDING',
    timeoutMs,
  );
  expect(res.status).toBe(200);
  return res.body as Record<string, unknown>;
}

/** The error shape every service answers with: `{statusCode, error, message, code}`. */
export function expectError(res: HttpResult, status: number, code: string): void {
  const summary = { status: res.status, code: res.body?.code };
  expect(summary).toEqual({ status, code });
  expect(res.body).toEqual(
    expect.objectContaining({
      statusCode: status,
      error: expect.any(String),
      message: expect.anything(),
      code,
    }),
  );
  const message = res.body.message as unknown;
  expect(
    typeof message === 'string' ||
      (Array.isArray(message) && message.every((m) => typeof m === 'string')),
  ).toBe(true);
}

/** A 400 VALIDATION_FAILED whose message names each of `fields`. */
export function expectValidationError(res: HttpResult, fields: string[]): void {
  expectError(res, 400, 'VALIDATION_FAILED');
  const messages = ([] as string[]).concat(res.body.message as string | string[]).join('\n');
  for (const field of fields) expect(messages).toContain(field);
}

/** Decodes the claims of a JWT without checking it (the services check; tests only read). */
export function jwtPart(token: string, part: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[part], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}
