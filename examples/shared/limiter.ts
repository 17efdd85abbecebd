import { createSessionLimiter, type SessionLimiter, type SessionStore } from '../../src/index.js';
import { policyFor, type DemoUser } from '../demo/users.js';

/** The examples' limiter: each role's policy, 30 minutes idle, 12 hours at most. */
export function createDemoLimiter(store: SessionStore): SessionLimiter<DemoUser> {
  return createSessionLimiter<DemoUser>({
    store,
    policy: policyFor,
    idleTimeout: '30m',
    absoluteTimeout: '12h',
  });
}
