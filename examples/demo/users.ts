import type { Policy } from '../../src/index.js';

/** A demo account as the app and its answers see it: never with a password hash. */
export interface DemoUser {
  id: string;
  name: string;
  role: 'staff' | 'customer' | 'family' | 'member';
  /** The account's limit in words, for the page and the JSON answers. */
  plan: string;
}

/** The policy of each role: what this demo is here to show. */
const POLICIES: Readonly<Record<DemoUser['role'], Policy>> = {
  staff: { max: 1, onLimit: 'evict' },
  customer: { max: Infinity },
  family: { max: 2, onLimit: 'reject' },
  member: { perDevice: { mobile: 1, desktop: 1 }, onLimit: 'evict' },
};

/** The seeded accounts; each one's password is its username. */
export const USERS: readonly DemoUser[] = [
  {
    id: 'alice',
    name: 'Alice',
    role: 'staff',
    plan: 'One session at a time: signing in elsewhere signs out the other device.',
  },
  {
    id: 'bob',
    name: 'Bob',
    role: 'customer',
    plan: 'No limit: as many devices as he likes.',
  },
  {
    id: 'carol',
    name: 'Carol',
    role: 'family',
    plan: 'Two devices: a third sign-in is refused and she chooses a device to sign out.',
  },
  {
    id: 'dave',
    name: 'Dave',
    role: 'member',
    plan: 'One phone and one computer: a new phone signs out the old phone only.',
  },
];

/** The limiter's policy: a function of the user. */
export function policyFor(user: DemoUser): Policy {
  return POLICIES[user.role];
}
