export { SessionLimitModule, type SessionLimitModuleAsyncOptions } from './module.js';
export type { SessionLimitModuleOptions } from './gate.js';
export { CurrentSession, SessionGuard, sessionLimitOf } from './guard.js';
export { SessionEvents } from './events.js';
export { SessionLimitContext, type DeadSession, type LoginOptions } from '../../http/context.js';
