// Where the services are and who the admin is, from env with the services' own defaults. Plain
// JavaScript because Jest's global set-up (which needs it too) is loaded outside its ESM transform.

const trimSlash = (url) => url.replace(/\/+$/, '');

export const USER_URL = trimSlash(process.env.USER_SERVICE_URL ?? 'http://127.0.0.1:3001');
export const ORDER_URL = trimSlash(process.env.ORDER_SERVICE_URL ?? 'http://127.0.0.1:3002');
export const INVENTORY_URL = trimSlash(
  process.env.INVENTORY_SERVICE_URL ?? 'http://127.0.0.1:3003',
);

/** @type {ReadonlyArray<{name: 'user-service' | 'order-service' | 'inventory-service', dir: string, url: string}>} */
export const SERVICES = [
  { name: 'user-service', dir: 'user-service', url: USER_URL },
  { name: 'order-service', dir: 'order-service', url: ORDER_URL },
  { name: 'inventory-service', dir: 'inventory-service', url: INVENTORY_URL },
];

/** The admin the suites sign in as; the global set-up starts user-service with it. */
export const ADMIN_USERNAME = process.env.ADMIN_USERNAME ?? 'e2e_admin';
export const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? 'e2e-admin-password-2026';
