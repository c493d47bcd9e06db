import { randomBytes } from 'node:crypto';

/** Per run, so the suites can run again and again against the same database. */
const RUN = randomBytes(4).toString('hex');
let sequence = 0;

/** A fresh, valid registration: unique username (<= 32 chars) and email. */
export function newRegistration(overrides: Partial<Registration> = {}): Registration {
  sequence += 1;
  const username = `u_${RUN}_${sequence}`;
  return {
    username,
    email: `${username}@example.com`,
    password: `pw-${randomBytes(6).toString('hex')}`,
    ...overrides,
  };
}

/** A unique name nobody has registered. */
export function unknownUsername(): string {
  sequence += 1;
  return `ghost_${RUN}_${sequence}`;
}

export interface Registration {
  username: string;
  email: string;
  password: string;
}
