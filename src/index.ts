export { createSessionLimiter, SessionLimiter } from './limiter.js';
export type { ExternalEnd, SessionLimiterOptions } from './options.js';
export {
  invalidSessionOf,
  type InvalidSession,
  type InvalidSessionCode,
  type OpenInput,
  type OpenResult,
  type PruneResult,
  type RevokeAllOptions,
  type RevokeOptions,
  type TrackInput,
  type TrackResult,
  type ValidateResult,
  type WatchListener,
} from './results.js';
export type { EvictionOrder, LimitAction, Policy, PolicySource, ResolvedPolicy } from './policy.js';
export { type Duration, parseDuration } from './duration.js';
export { type DeviceInfo, type DeviceInput, type DeviceKind, describeDevice } from './device.js';
export { SessionLimiterError, type SessionLimiterErrorCode } from './errors.js';
export type { SessionEndedEvent, SessionLimiterEventName, SessionLimiterEvents } from './events.js';
export { describeSessionEnd } from './messages.js';
export type {
  JsonValue,
  SessionEnd,
  SessionEnded,
  SessionInfo,
  SessionRecord,
  TombstoneRecord,
} from './session.js';
export type { FoundRecord, PushHandlers, SessionStore, UserChange, UserSnapshot } from './store.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';
